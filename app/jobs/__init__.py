"""Background jobs: their visible state, progress and items."""
