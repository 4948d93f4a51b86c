"""Job kinds and the Celery task that runs each (tasks live in ``workers/``)."""

from __future__ import annotations

DEMO = "demo"

TASK_FOR_KIND: dict[str, str] = {
    DEMO: "codecommons.jobs.demo",
}
REAP_TASK = "codecommons.jobs.reap_stale"
