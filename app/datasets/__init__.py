"""Datasets: qualified subsets frozen into fingerprinted SWHID manifests."""
