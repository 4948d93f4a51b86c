"""GraphQL API (Strawberry) over the same services and repositories as REST."""
