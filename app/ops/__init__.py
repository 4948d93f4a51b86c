"""Operating the service: bootstrap (migrate + seed) and the committed API contracts."""
