"""Operating the service: bootstrap (migrate + seed)."""
