"""Job kinds and the Celery task that runs each (tasks live in ``workers/``)."""

from __future__ import annotations

DEMO = "demo"
FORGE_IMPORT = "forges.import"
FORGE_REDERIVE = "forges.rederive"

TASK_FOR_KIND: dict[str, str] = {
    DEMO: "codecommons.jobs.demo",
    FORGE_IMPORT: "codecommons.forges.import_dump",
    FORGE_REDERIVE: "codecommons.forges.rederive",
}
REAP_TASK = "codecommons.jobs.reap_stale"
