"""The content store: swh.objstorage configured from the settings (a local path-sliced
store under the data directory by default, any backend by configuration), with a
size cap, idempotent writes and batch reads that answer None for what is absent."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app.config import Settings
from app.storage.store import ContentStore, content_store, storage_config


def keys(data: bytes) -> tuple[bytes, bytes, bytes]:
    sha1 = hashlib.sha1(data).digest()  # noqa: S324 - content identifiers
    git = hashlib.sha1(b"blob %d\0" % len(data) + data).digest()  # noqa: S324
    return sha1, git, hashlib.sha256(data).digest()


def test_default_is_path_sliced_under_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, content_storage=None, _env_file=None)  # type: ignore[call-arg]
    config = storage_config(settings)
    assert config["cls"] == "pathslicing"
    assert config["root"] == str((tmp_path / "objects").resolve())
    store = content_store(settings)
    assert store is not None
    data = b"print('hello')\n"
    store.put(data, *keys(data))
    sha1 = keys(data)[0].hex()
    assert (tmp_path / "objects" / sha1[0:2] / sha1[2:4] / sha1[4:6] / sha1).is_file()
    assert store.get(*keys(data)) == data


def test_any_backend_by_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONTENT_STORAGE")  # the test suite's own store
    settings = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path, content_storage={"cls": "memory"}, _env_file=None
    )
    store = content_store(settings)
    assert store is not None
    assert store.config == {"cls": "memory"}
    assert not (tmp_path / "objects").exists()


def test_batches_writes_and_reads(tmp_path: Path) -> None:
    store = ContentStore({"cls": "pathslicing", "root": str(tmp_path), "slicing": "0:2"}, 10)
    items = [(b"%d" % i * 3, *keys(b"%d" % i * 3)) for i in range(20)]
    store.put_many(items)
    store.put_many(items)  # idempotent
    absent = keys(b"never stored")
    got = list(store.get_many([item[1:] for item in items] + [absent]))
    assert got == [item[0] for item in items] + [None]
    assert store.holds([items[0][1:], absent]) == [True, False]
    assert store.keeps(10)
    assert not store.keeps(11)


def test_disabled(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, content_storage_enabled=False, _env_file=None)  # type: ignore[call-arg]
    assert content_store(settings) is None
