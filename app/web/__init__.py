"""Web pages for authors and model builders, over the same services as the API."""
