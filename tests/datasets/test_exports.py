"""Parquet exports are cut into CSV blocks and row groups to keep memory flat: wherever
the cuts fall, the file holds the same rows, and a stream that is not cut at rows is
refused rather than misread."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.datasets import exports, repository
from app.models import DatasetBuild


def _export(db: Session, fmt: str) -> bytes:
    build = db.scalars(select(DatasetBuild)).one()
    raw = db.connection().connection.driver_connection
    table = repository.partition_name(build.id)
    return b"".join(exports.export_chunks(raw, table, fmt, {}))


@pytest.mark.usefixtures("built")
def test_small_blocks_and_row_groups_keep_every_row(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = pq.read_table(io.BytesIO(_export(db, "parquet"))).to_pylist()
    lines = [json.loads(line) for line in _export(db, "jsonl").splitlines()]
    assert len(whole) >= 3
    assert [r["swhid"] for r in whole] == [r["swhid"] for r in lines]
    assert whole == lines  # the same values, column for column

    monkeypatch.setattr(exports, "CSV_BLOCK_BYTES", 1)  # every row its own block
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)
    data = _export(db, "parquet")
    assert pq.read_metadata(io.BytesIO(data)).num_row_groups == (len(whole) + 1) // 2
    assert pq.read_table(io.BytesIO(data)).to_pylist() == whole

    monkeypatch.setattr(exports, "CHUNK_ROWS", 1 << 20)
    monkeypatch.setattr(exports, "ROW_GROUP_BYTES", 1)  # cut by bytes: a group per block
    data = _export(db, "parquet")
    assert pq.read_metadata(io.BytesIO(data)).num_row_groups == len(whole)
    assert pq.read_table(io.BytesIO(data)).to_pylist() == whole


def test_a_stream_not_cut_at_rows_is_refused() -> None:
    with pytest.raises(ValueError, match="whole rows"):
        list(exports.parquet_parts(iter([b"0,\\x00"]), {}))
