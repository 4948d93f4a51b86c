"""Origins (repositories and packages), their owners and aliases."""
