"""Opt-outs: authors exclude their code from datasets, per purpose, verified and audited."""
