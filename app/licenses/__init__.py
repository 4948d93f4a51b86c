"""License catalog, license findings and their APIs."""
