"""Parquet exports are cut into CSV blocks and row groups to keep memory flat: wherever
the cuts fall, the file holds the same rows, and a stream that is not cut at rows is
refused rather than misread."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from app.datasets import exports, repository, service
from app.datasets.builder import run_build
from app.datasets.schemas import BuildIn, DatasetIn
from app.kit.db import unit_of_work
from app.models import DatasetBuild
from tests.datasets.conftest import ROADMAP, World


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


@pytest.fixture
def committed_build(committed_factory: sessionmaker[Session], committed_corpus: World) -> str:
    """A succeeded build whose rows are committed (what a second connection sees)."""
    with unit_of_work(committed_factory) as uow:
        service.create(uow, DatasetIn(name="adbc", purpose="fine-tuning", selection=ROADMAP))
    with unit_of_work(committed_factory) as uow:
        build, _ = service.submit_build(uow, "adbc", BuildIn(), send=False)
    with unit_of_work(committed_factory) as uow:
        run_build(uow.session, build.id)
    return repository.partition_name(build.id)


@pytest.mark.usefixtures("drop_partitions")
def test_parquet_read_by_adbc_holds_the_rows_of_the_copy_route(
    committed_build: str, engine: Engine
) -> None:
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert exports.reads_committed_rows(raw)  # nothing written: ADBC may read
        by_adbc = b"".join(exports.export_chunks(raw, committed_build, "parquet", {}))
        stream = exports.copy_stream(raw, exports.copy_sql("parquet", committed_build))
        by_copy = b"".join(exports.parquet_stream(stream, {}))
        lines = b"".join(exports.export_chunks(raw, committed_build, "jsonl", {}))
        after = b"".join(exports.export_chunks(raw, committed_build, "parquet", {}, after=0))
    table = pq.read_table(io.BytesIO(by_adbc))
    assert table.schema == exports.arrow_schema({})  # the same column types, no cast missed
    rows = table.to_pylist()
    assert len(rows) == 2
    assert rows == pq.read_table(io.BytesIO(by_copy)).to_pylist()
    assert rows == [json.loads(line) for line in lines.splitlines()]
    assert all(r["swhid"].startswith("swh:1:cnt:") and len(r["swhid"]) == 50 for r in rows)
    assert pq.read_table(io.BytesIO(after)).to_pylist() == rows[1:]


@pytest.mark.usefixtures("drop_partitions")
def test_jsonl_read_by_segments_is_the_copy_byte_for_byte(
    committed_build: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Segments read in parallel, whatever their width, resumed or cut by a limit,
    give exactly the bytes of one COPY of the same rows, in leaf order."""
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        for width in (1, 2, 1000):
            monkeypatch.setattr(exports, "SEGMENT_ROWS", width)
            for after, limit in ((None, None), (0, None), (None, 1), (-1, 5), (1, None)):
                serial = b"".join(
                    exports.copy_stream(
                        raw, exports.copy_sql("jsonl", committed_build, after=after, limit=limit)
                    )
                )
                segmented = b"".join(
                    exports.export_chunks(
                        raw, committed_build, "jsonl", {}, after=after, limit=limit
                    )
                )
                assert segmented == serial, (width, after, limit)
        whole = b"".join(exports.segmented_copy(raw, committed_build, "jsonl"))
    assert len(whole.splitlines()) == 2
    # a caller that stops after the first block leaves no reader behind
    monkeypatch.setattr(exports, "SEGMENT_ROWS", 1)
    with engine.connect() as conn:
        chunks = exports.segmented_copy(conn.connection.driver_connection, committed_build, "jsonl")
        assert next(chunks)
        chunks.close()


def test_a_transaction_that_wrote_keeps_the_export_on_its_connection(engine: Engine) -> None:
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert exports.reads_committed_rows(raw)
        conn.execute(text("CREATE TEMP TABLE scratch (x int)"))
        assert not exports.reads_committed_rows(raw)  # its rows are not another's to see
        conn.rollback()


def test_hex_of_hashes_matches_python() -> None:
    import pyarrow as pa

    values = [bytes(range(20)), None, b"\xff" * 20, b"\x00" * 20]
    column = pa.array(values, pa.binary())
    expected = [None if v is None else "swh:1:cnt:" + v.hex() for v in values]
    assert exports._hex(column, "swh:1:cnt:").to_pylist() == expected
    assert exports._hex(column.slice(2), "").to_pylist() == [v.hex() for v in values[2:]]  # type: ignore[union-attr]
    assert exports._hex(pa.array([b"\x01", b"\x02\x03"]), "").to_pylist() == ["01", "0203"]
