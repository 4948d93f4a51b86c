"""Background jobs: their visible state, progress and items.

Every kind is named in :mod:`.kinds` and run by the task of the same name, declared
by its feature (``app/<feature>/tasks.py``) with :func:`.runner.job_task`."""
