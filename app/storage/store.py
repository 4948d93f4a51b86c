"""The object storage that keeps scanned files' bytes, so exports can carry them.

Software Heritage's own ``swh.objstorage`` (rather than files we lay out by hand): its
backends are the ones the archive runs on (path-sliced directories, cloud buckets,
winery, a remote objstorage server, ...), and an object is addressed by the same
hashes our ``content`` rows hold. The default is a local path-sliced store under
``DATA_DIR/objects`` (``0:2/2:4/4:6``, gzip-compressed, one file per content);
``CONTENT_STORAGE`` takes any configuration ``swh.objstorage.factory.get_objstorage``
accepts, e.g. ``{"cls": "remote", "url": "http://objstorage:5003/"}``.

Writes are idempotent (content-addressed, ``add`` skips what is present); reads of
a batch answer ``None`` for what the store does not hold, never raise for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from app.config import Settings, get_settings

DEFAULT_SLICING = "0:2/2:4/4:6"
WRITE_THREADS = 8


class ContentKey(Protocol):
    """Anything with a content's three hashes (a scanned file, a manifest row)."""

    @property
    def sha1(self) -> bytes: ...
    @property
    def sha1_git(self) -> bytes: ...
    @property
    def sha256(self) -> bytes: ...


def obj_id(sha1: bytes, sha1_git: bytes | None = None, sha256: bytes | None = None) -> Any:
    """A composite object id: every hash we know (the backend picks its primary)."""
    out: dict[str, bytes] = {"sha1": sha1}
    if sha1_git is not None:
        out["sha1_git"] = sha1_git
    if sha256 is not None:
        out["sha256"] = sha256
    return out


def storage_config(settings: Settings) -> dict[str, Any]:
    """The objstorage configuration in force: the setting, else the local default."""
    if settings.content_storage:
        return dict(settings.content_storage)
    return {
        "cls": "pathslicing",
        "root": str((settings.data_dir / "objects").resolve()),
        "slicing": DEFAULT_SLICING,
        "compression": "gzip",
    }


class ContentStore:
    """One objstorage, with the two operations the service needs."""

    def __init__(self, config: dict[str, Any], max_size: int) -> None:
        from swh.objstorage.factory import get_objstorage

        config = dict(config)
        if config.get("cls") == "pathslicing":
            Path(config["root"]).mkdir(parents=True, exist_ok=True)
        self.config = config
        self.max_size = max_size
        self.backend = get_objstorage(**config)

    def keeps(self, length: int) -> bool:
        """Whether a file of this size is stored at all (the size cap)."""
        return length <= self.max_size

    def put(self, data: bytes, sha1: bytes, sha1_git: bytes, sha256: bytes) -> None:
        self.backend.add(data, obj_id(sha1, sha1_git, sha256), check_presence=True)

    def put_many(self, items: Sequence[tuple[bytes, bytes, bytes, bytes]]) -> None:
        """Write ``(data, sha1, sha1_git, sha256)`` items, several at a time: a local
        store syncs each object to disk (about 5 ms each, measured), time spent waiting
        on the disk, not the CPU, so threads overlap it. Raises the first failure."""
        if len(items) <= 1:
            for item in items:
                self.put(*item)
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(WRITE_THREADS, len(items))) as pool:
            for future in [pool.submit(self.put, *item) for item in items]:
                future.result()

    def get_many(self, keys: Sequence[tuple[bytes, bytes, bytes]]) -> Iterator[bytes | None]:
        """The bytes of each ``(sha1, sha1_git, sha256)``, ``None`` where absent."""
        ids = [obj_id(sha1, sha1_git, sha256) for sha1, sha1_git, sha256 in keys]
        yield from self.backend.get_batch(ids)

    def get(self, sha1: bytes, sha1_git: bytes, sha256: bytes) -> bytes | None:
        return next(iter(self.get_many([(sha1, sha1_git, sha256)])))

    def holds(self, keys: Iterable[tuple[bytes, bytes, bytes]]) -> list[bool]:
        return [obj_id(*key) in self.backend for key in keys]


@lru_cache(maxsize=4)
def _store(config_key: str, max_size: int) -> ContentStore:
    import json

    return ContentStore(json.loads(config_key), max_size)


def content_store(settings: Settings | None = None) -> ContentStore | None:
    """The configured store (one per process and configuration), or None when
    ``CONTENT_STORAGE_ENABLED`` is false."""
    import json

    settings = settings or get_settings()
    if not settings.content_storage_enabled:
        return None
    return _store(
        json.dumps(storage_config(settings), sort_keys=True), settings.content_storage_max_size
    )
