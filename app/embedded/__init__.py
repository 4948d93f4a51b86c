"""Embedded PostgreSQL and Redis for `make run` and for tests on a bare machine."""
