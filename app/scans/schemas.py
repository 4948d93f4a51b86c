"""What the scan endpoint takes (it answers with the job, :class:`app.jobs.schemas.JobOut`)."""

from __future__ import annotations

from pydantic import Field

from app.kit.boundary import RequestModel


class ScanIn(RequestModel):
    location: str = Field(
        min_length=1,
        max_length=4096,
        description=(
            "A git clone URL (https, http, git, ssh or `git@host:path`) of a public host "
            "(credentials are removed), or a path to a git repository, a directory, a "
            "tarball or a zip under one of the folders the operator allows "
            "(`SCAN_LOCAL_ROOTS`)."
        ),
    )
    origin_url: str | None = Field(
        default=None,
        max_length=2048,
        description=("The origin this is a visit of (default: the clone URL, or file:// + path)."),
    )
