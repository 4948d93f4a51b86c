"""Shared plumbing, below every feature: database unit of work (:mod:`.db`), binary
COPY (:mod:`.copy`), SWHIDs, problem responses, pagination, the Celery application and
the transactional enqueue (:mod:`.celery`, :mod:`.queue`), API dependencies, HTTP
caching, rate limits, Redis."""
