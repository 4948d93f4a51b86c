"""Job kinds and the Celery task that runs each (tasks live in ``workers/``)."""

from __future__ import annotations

DEMO = "demo"
FORGE_IMPORT = "forges.import"
FORGE_REDERIVE = "forges.rederive"
FORGE_REFRESH = "forges.refresh"
FORGE_ISSUES = "forges.issues"
SCAN = "archive.scan"
NEAR_DUP = "facts.neardup"
PAPERS_RESOLVE = "papers.resolve"
DATASET_BUILD = "datasets.build"

TASK_FOR_KIND: dict[str, str] = {
    DEMO: "codecommons.jobs.demo",
    FORGE_IMPORT: "codecommons.forges.import_dump",
    FORGE_REDERIVE: "codecommons.forges.rederive",
    FORGE_REFRESH: "codecommons.forges.refresh_origin",
    FORGE_ISSUES: "codecommons.forges.crawl_issues",
    SCAN: "codecommons.archive.scan",
    NEAR_DUP: "codecommons.archive.recluster",
    PAPERS_RESOLVE: "codecommons.papers.resolve",
    DATASET_BUILD: "codecommons.datasets.build",
}
REFRESH_STALE_TASK = "codecommons.forges.refresh_stale"
RESOLVE_PAPERS_TASK = "codecommons.papers.resolve_pending"
REAP_TASK = "codecommons.jobs.reap_stale"
