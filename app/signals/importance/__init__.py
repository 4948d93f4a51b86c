"""Importance: stored inputs (stars, forks, dependents, downloads, citations, file
occurrences) and a documented, versioned score."""
