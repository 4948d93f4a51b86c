"""The demo corpus and its loader (real files from released packages)."""
