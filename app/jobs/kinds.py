"""Every kind of job, named ``<feature>.<action>`` after the folder that runs it.

A kind is also the name of the Celery task that runs it (declared with
:func:`app.jobs.runner.job_task` in ``app/<feature>/tasks.py``), so a job row, its
task and its code share one name. The values are stored in ``job.kind``: renaming one
needs a migration (see ``0005_job_kind_names``).
"""

from __future__ import annotations

DEMO = "jobs.demo"
FORGE_IMPORT = "forges.import"
FORGE_REDERIVE = "forges.rederive"
FORGE_REFRESH = "forges.refresh"
FORGE_ISSUES = "forges.issues"
SCAN = "scans.scan"
NEARDUPS_RECLUSTER = "neardups.recluster"
PAPERS_RESOLVE = "papers.resolve"
SIGNALS_IMPORT = "signals.import_advisories"
SIGNALS_REDERIVE = "signals.rederive_advisories"
SIGNALS_REFRESH = "signals.refresh"
OPTOUTS_VERIFY = "optouts.verify"
DATASETS_BUILD = "datasets.build"
ATTRIBUTION_BACKFILL = "attribution.backfill"

DATASETS_WITHDRAWALS = "datasets.withdrawals"

ALL = frozenset(
    {
        DEMO,
        FORGE_IMPORT,
        FORGE_REDERIVE,
        FORGE_REFRESH,
        FORGE_ISSUES,
        SCAN,
        NEARDUPS_RECLUSTER,
        PAPERS_RESOLVE,
        SIGNALS_IMPORT,
        SIGNALS_REDERIVE,
        SIGNALS_REFRESH,
        OPTOUTS_VERIFY,
        DATASETS_BUILD,
        ATTRIBUTION_BACKFILL,
        DATASETS_WITHDRAWALS,
    }
)
