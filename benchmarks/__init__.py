"""Benchmarks: each prints its throughput and the ratio to the physical limit."""
