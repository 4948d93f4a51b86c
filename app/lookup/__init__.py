"""Batch lookups: many SWHIDs, origin URLs or package URLs (purl) in one request."""
