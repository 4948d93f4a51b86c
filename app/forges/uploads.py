"""Uploaded dumps: where ``POST /v1/imports`` writes them and the import job reads
them, and their deletion once the job is over.

A module of its own, with nothing but paths, so the API process does not load the
import machinery to know where to write.
"""

from __future__ import annotations

from pathlib import Path

from app.config import Settings


def uploads_folder(settings: Settings) -> Path:
    return settings.uploads_dir or Path(settings.data_dir) / "imports"


def uploads_dir(settings: Settings) -> Path:
    """The uploads folder, created if missing (the API and workers must share it)."""
    folder = uploads_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def delete_upload(settings: Settings, path: str) -> bool:
    """Delete an uploaded dump once its job is over. Only a file directly in the
    uploads folder is ever deleted: a job's ``path`` is not trusted further."""
    target = Path(path)
    if target.resolve().parent != uploads_folder(settings).resolve():
        return False
    target.unlink(missing_ok=True)
    return True
