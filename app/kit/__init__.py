"""Shared plumbing: database sessions, SWHIDs, problem responses, pagination."""
