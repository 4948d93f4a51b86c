"""Exports of a build: JSON Lines, CSV and Parquet, streamed with flat memory.

Every format is produced by PostgreSQL's ``COPY (query) TO STDOUT`` over the build's
partition in leaf order, so rows never gather in the exporting process:

* **CSV**: ``COPY ... (FORMAT csv, HEADER)``, passed through as it comes.
* **JSON Lines**: each row rendered as JSON in the server, copied in CSV format
  with a delimiter and quote character that JSON text can never hold raw (0x1F,
  0x1E: JSON escapes control characters), so every line is exactly the JSON
  document with no re-escaping to undo; segments of the leaf order are rendered by
  two backends at once when the caller's transaction has written nothing.
* **Parquet**: record batches written as row groups by ``ParquetWriter``, the bytes
  of each row group handed out as soon as it is written. The batches come from ADBC
  (binary ``COPY`` decoded into Arrow in C++, over a second connection) when the
  caller's transaction has written nothing, else (and with content) from the CSV
  stream, parsed by pyarrow's CSV reader. The file's key-value metadata names both
  fingerprints, the dataset, build and cut-off.

Resuming: ``after`` starts after a leaf index (every row carries ``leaf_index``), so
an interrupted download continues where it stopped (``codecommons datasets export``
does this by itself). JSONL and CSV carry the fingerprints in a sidecar
(:func:`sidecar`) and in response headers; Parquet in the file.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from typing import Any, TypeVar

from psycopg import sql

from app.datasets.fingerprints import iso_utc
from app.models import DatasetBuild, DatasetRevision
from app.storage.store import ContentStore

# Parquet row groups: at most so many rows, or so many bytes of Arrow data (the
# writer holds a row group's columns and their encoded pages at once). Smaller groups
# keep the process flat: 64k rows (20 MB of Arrow) let it grow from 200 MB at 100k
# rows to 270 MB at 1M; 32k rows or 8 MB: 190 to 205 MB (measured).
CHUNK_ROWS = 65_536
ROW_GROUP_BYTES = 8 << 20
CSV_BLOCK_BYTES = 1 << 20  # CSV parsed at a time (whole rows)

# (name, SQL producing it, Arrow type name) in file order.
COLUMNS: list[tuple[str, str, str]] = [
    ("leaf_index", "leaf_index", "int64"),
    ("swhid", "'swh:1:cnt:' || encode(sha1_git, 'hex')", "string"),
    ("sha1", "encode(sha1, 'hex')", "string"),
    ("sha256", "encode(sha256, 'hex')", "string"),
    ("length", "length", "int64"),
    ("language", "language", "string"),
    ("license_expression", "license_expression", "string"),
    ("license_evidence", "license_evidence", "string"),
    ("origin", "origin_url", "string"),
    ("snapshot", "'swh:1:snp:' || encode(snapshot_sha1_git, 'hex')", "string"),
    (
        "path",
        "CASE WHEN encode(path, 'escape') !~ '\\\\' THEN convert_from(path, 'UTF8')"
        " ELSE dataset_path_text(path) END",
        "string",
    ),
    ("other_occurrences", "other_occurrences", "int64"),
    ("near_dup_cluster", "near_dup_cluster", "int64"),
    ("rank_value", "rank_value", "double"),
    ("in_storage", "in_storage", "bool"),
]
DICTIONARY_COLUMNS = ("language", "license_expression", "license_evidence", "origin", "snapshot")
STATISTICS_COLUMNS = ("leaf_index", "length", "other_occurrences", "near_dup_cluster", "rank_value")
MEDIA_TYPES = {
    "jsonl": "application/x-ndjson",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}


# For Parquet the server sends hashes as plain ``bytea`` (its text form is ``\x`` and
# the hex digits: what a bare ``COPY`` writes anyway) and pyarrow swaps the ``\x``
# for the SWHID prefix, vectorized: the prefixing and ``encode`` calls are a third of
# the server's time per row (measured), and the server is the bottleneck.
ARROW_PREFIXED = {
    "swhid": ("sha1_git", "swh:1:cnt:"),
    "sha1": ("sha1", ""),
    "sha256": ("sha256", ""),
    "snapshot": ("snapshot_sha1_git", "swh:1:snp:"),
}


def _rows_query(
    table: str,
    after: int | None,
    limit: int | None,
    *,
    raw_hashes: bool = False,
    until: int | None = None,
    build_id: int | None = None,
) -> sql.Composed:
    select_list = sql.SQL(", ").join(
        sql.SQL("{} AS {}").format(  # type: ignore[arg-type]
            sql.SQL(ARROW_PREFIXED[name][0] if raw_hashes and name in ARROW_PREFIXED else expr),
            sql.Identifier(name),
        )
        for name, expr, _ in COLUMNS
    )
    bounds: list[sql.Composable] = []
    if build_id is not None:  # the primary key (build_id, leaf_index) then reads a range
        bounds.append(sql.SQL("build_id = {}").format(sql.Literal(int(build_id))))
    if after is not None:
        bounds.append(sql.SQL("leaf_index > {}").format(sql.Literal(int(after))))
    if until is not None:
        bounds.append(sql.SQL("leaf_index <= {}").format(sql.Literal(int(until))))
    where: sql.Composable = (
        sql.SQL(" WHERE ") + sql.SQL(" AND ").join(bounds) if bounds else sql.SQL("")
    )
    tail = (
        sql.SQL(" LIMIT {}").format(sql.Literal(int(limit))) if limit is not None else sql.SQL("")
    )
    return sql.SQL("SELECT {} FROM {}{} ORDER BY leaf_index{}").format(
        select_list, sql.Identifier(table), where, tail
    )


# Columns whose text may need JSON escaping; the others are hex, SWHIDs or numbers.
FREE_TEXT = frozenset({"language", "license_expression", "license_evidence", "origin", "path"})


def _json_line() -> sql.Composable:
    """One JSON object per row, assembled by concatenation: ``to_json`` escapes the
    free-text columns, hex and numbers go in as they are. 30% faster than
    ``json_build_object`` here (measured), and without its spaces."""
    parts: list[sql.Composable] = []
    for i, (name, _, kind) in enumerate(COLUMNS):
        key = sql.Literal(("{" if i == 0 else ",") + f'"{name}":')
        column = sql.SQL("r.{}").format(sql.Identifier(name))
        if name in FREE_TEXT:
            value = sql.SQL("coalesce(to_json({})::text, 'null')").format(column)
        elif kind == "string":
            value = sql.SQL("'\"' || {} || '\"'").format(column)
        elif kind == "bool":
            value = sql.SQL("CASE WHEN {} THEN 'true' ELSE 'false' END").format(column)
        else:
            value = sql.SQL("coalesce({}::text, 'null')").format(column)
        parts.append(sql.SQL("{} || {}").format(key, value))
    return sql.SQL(" || ").join(parts) + sql.SQL(" || '}'")


def copy_sql(
    fmt: str,
    table: str,
    after: int | None = None,
    limit: int | None = None,
    *,
    until: int | None = None,
    build_id: int | None = None,
) -> sql.Composed:
    rows = _rows_query(
        table, after, limit, raw_hashes=fmt == "parquet", until=until, build_id=build_id
    )
    if fmt == "csv" or fmt == "parquet":
        header = "true" if fmt == "csv" else "false"
        return sql.SQL("COPY ({}) TO STDOUT (FORMAT csv, HEADER {})").format(rows, sql.SQL(header))
    if fmt == "jsonl":
        return sql.SQL(
            "COPY (SELECT {} FROM ({}) r) TO STDOUT "
            "(FORMAT csv, DELIMITER E'\\x1f', QUOTE E'\\x1e')"
        ).format(_json_line(), rows)
    raise ValueError(f"unknown format {fmt!r}")


def copy_stream(connection: Any, statement: sql.Composed) -> Iterator[bytes]:
    """The bytes of a ``COPY ... TO STDOUT``, as PostgreSQL sends them (a psycopg
    connection in a transaction the caller owns)."""
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for chunk in copy:
            yield bytes(chunk)


COALESCE_BYTES = 256 << 10


def coalesce(chunks: Iterator[bytes], size: int | None = None) -> Iterator[bytes]:
    """The same bytes in blocks of about ``size`` (``COALESCE_BYTES``), each made of
    whole chunks: ``COPY`` hands out one row per chunk, and every consumer (an HTTP
    response, a file, pyarrow's reader) pays per chunk, not per byte."""
    size = COALESCE_BYTES if size is None else size
    parts: list[bytes] = []
    have = 0
    for chunk in chunks:
        parts.append(chunk)
        have += len(chunk)
        if have >= size:
            yield b"".join(parts)
            parts, have = [], 0
    if parts:
        yield b"".join(parts)


def prefetch(chunks: Iterator[bytes], depth: int = 16, size: int | None = None) -> Iterator[bytes]:
    """``chunks`` read ahead by a thread, in blocks of about ``size`` (:func:`coalesce`),
    at most ``depth`` of them waiting: PostgreSQL keeps producing rows while the caller
    converts and compresses the previous ones (psycopg lets go of the GIL while it
    waits on the socket), so an export costs about the longer of the two, not their
    sum. Ends the thread if the caller stops early."""
    return read_ahead(coalesce(chunks, size), depth)


T = TypeVar("T")


def read_ahead(items: Iterator[T], depth: int) -> Generator[T, None, None]:
    """``items`` produced by a thread, at most ``depth`` of them waiting (see
    :func:`prefetch`). Ends the thread if the caller stops early."""
    import queue
    import threading

    blocks: queue.Queue[T | BaseException | None] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: T | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                blocks.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(None)
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)

    thread = threading.Thread(target=produce, name="copy-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = blocks.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def sidecar(build: DatasetBuild, revision: DatasetRevision, dataset_name: str) -> dict[str, Any]:
    """What every export names: the dataset, the build and its fingerprints."""
    assert build.extensional_fingerprint is not None
    assert build.intensional_fingerprint is not None
    return {
        "dataset": dataset_name,
        "build": build.number,
        "revision": revision.revision,
        "purpose": revision.purpose,
        "cutoff": iso_utc(build.cutoff),
        "files": build.row_count,
        "intensional_fingerprint": build.intensional_fingerprint.hex(),
        "extensional_fingerprint": build.extensional_fingerprint.hex(),
        "optout_registry_version": build.optout_registry_version,
        "merkle": "RFC 9162 over sorted content SWHIDs (leaf 0x00, node 0x01, SHA-256)",
    }


class _Drain(io.RawIOBase):
    """A write-only sink whose bytes are taken out after each row group."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        out, self.parts = b"".join(self.parts), []
        return out


def arrow_schema(metadata: dict[str, str], with_content: bool = False) -> Any:
    import pyarrow as pa

    types = {"int64": pa.int64(), "string": pa.string(), "double": pa.float64(), "bool": pa.bool_()}
    fields = [pa.field(name, types[t]) for name, _, t in COLUMNS]
    if with_content:
        fields.append(pa.field("content", pa.binary()))
    return pa.schema(fields, metadata=metadata)


def _csv_batches(blocks: Iterator[bytes]) -> Iterator[Any]:
    """Typed record batches from the headerless CSV ``COPY`` stream of the Parquet
    query (hashes as backslash-x and hex digits, turned into hex and SWHIDs here).

    ``blocks`` must hold whole rows (``COPY`` hands out one row per chunk, and
    :func:`prefetch` only joins chunks, here in blocks of about ``CSV_BLOCK_BYTES``),
    so each block is parsed on its own, in this thread, from Arrow memory. The
    streaming CSV reader over a Python file did it from pyarrow's I/O threads, which
    called back into Python for each block: the copies it made there, in the C
    allocator of every I/O thread, were most of the growth of a long export (a
    process 20% larger at 1M rows than at 100k, measured)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    schema = arrow_schema({})
    names = schema.names
    convert_options = pacsv.ConvertOptions(
        column_types={f.name: f.type for f in schema},
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
        true_values=["t"],
        false_values=["f"],
    )
    for block in blocks:
        if not block.endswith(b"\n"):
            raise ValueError("the CSV stream of a Parquet export must come in whole rows")
        table = pacsv.read_csv(
            pa.BufferReader(block),
            # The whole block at once (a row may not straddle two). One thread: the
            # parse is a small part of the work, and pyarrow's threads cost more CPU
            # than they save (measured: 1.25 s vs 0.75 s of CPU for 300k rows, and
            # 2.5x the wall time on a busy machine).
            read_options=pacsv.ReadOptions(
                column_names=names, block_size=len(block) + 1, use_threads=False
            ),
            convert_options=convert_options,
        )
        for batch in table.to_batches():
            columns = list(batch.columns)
            for name, (_, prefix) in ARROW_PREFIXED.items():
                i = names.index(name)
                columns[i] = pc.binary_replace_slice(columns[i], 0, 2, prefix)
            yield pa.RecordBatch.from_arrays(columns, schema=schema)


# Arrow record batches straight from PostgreSQL: the ADBC driver reads the query's
# binary ``COPY`` in C++ into Arrow columns, without the GIL. psycopg's ``COPY`` loop
# hands out one Python object per row while holding the GIL, and was the bottleneck
# of the CSV route (profiled: 4.1 CPU-s per 1M rows against 1.7 s for the raw COPY).
ADBC_BATCH_BYTES = 4 << 20  # the driver's batch size hint: a few MB keeps memory flat


def adbc_uri(connection: Any) -> str:
    """A libpq URI for the server, database and role of a psycopg ``connection``
    (every parameter as a query parameter: Unix sockets work too)."""
    from urllib.parse import urlencode

    params = dict(connection.info.get_parameters())
    if connection.info.password:
        params["password"] = connection.info.password
    params.setdefault("host", connection.info.host)
    params.setdefault("port", str(connection.info.port))
    return "postgresql:///?" + urlencode(params)


def _hex(column: Any, prefix: str) -> Any:
    """``prefix`` and the lowercase hex of each value of a binary column, as strings,
    vectorized (Arrow compute has no hex encoding): a byte-to-two-digits lookup over
    the values' buffer. Hashes have one width; anything else is encoded value by value."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(column)
    if column.null_count:
        widths = pc.drop_null(pc.binary_length(column))
        filler = b"\0" * (widths[0].as_py() if len(widths) else 1)
        return pc.if_else(pc.is_valid(column), _hex(pc.fill_null(column, filler), prefix), None)
    if n == 0:
        return pa.array([], pa.string())
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)[column.offset :][: n + 1]
    width = int(offsets[1] - offsets[0])
    if width == 0 or not bool(np.all(np.diff(offsets) == width)):
        return pa.array([prefix + v.hex() for v in column.to_pylist()], pa.string())
    data = np.frombuffer(column.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    out = np.empty((n, len(head) + 2 * width), dtype=np.uint8)
    out[:, : len(head)] = head
    out[:, len(head) :] = _HEX_PAIRS[data].view(np.uint8).reshape(n, 2 * width)
    step = out.shape[1]
    ends = np.arange(0, (n + 1) * step, step, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(ends), pa.py_buffer(out))


def _hex_pairs() -> Any:
    import numpy as np

    return np.frombuffer(b"".join(b"%02x" % i for i in range(256)), dtype=np.uint16)


_HEX_PAIRS = _hex_pairs()


def adbc_batches(
    uri: str,
    table: str,
    after: int | None = None,
    limit: int | None = None,
    build_id: int | None = None,
) -> Iterator[Any]:
    """The Parquet query's rows as typed record batches of :func:`arrow_schema`, read
    by ADBC over its own connection to ``uri`` (a succeeded build never changes: a
    second connection sees the same rows), hashes turned into hex and SWHIDs here."""
    import adbc_driver_postgresql.dbapi as adbc
    import pyarrow as pa

    schema = arrow_schema({})
    query = _rows_query(table, after, limit, raw_hashes=True, build_id=build_id).as_string(None)
    with adbc.connect(uri) as conn, conn.cursor() as cursor:
        cursor.adbc_statement.set_options(
            **{"adbc.postgresql.batch_size_hint_bytes": str(ADBC_BATCH_BYTES)}
        )
        cursor.execute(query)
        # Read ahead by a thread (pyarrow lets go of the GIL while the driver reads):
        # the server and the driver work while the previous batches are written.
        batches = read_ahead(iter(cursor.fetch_record_batch()), depth=2)
        with closing(batches):
            for batch in batches:
                columns = []
                for field in schema:
                    column = batch.column(field.name)
                    if field.name in ARROW_PREFIXED:
                        column = _hex(column, ARROW_PREFIXED[field.name][1])
                    elif column.type != field.type:
                        column = column.cast(field.type)
                    columns.append(column)
                yield pa.RecordBatch.from_arrays(columns, schema=schema)
        conn.rollback()


CONTENT_ROW_GROUP_BYTES = 64 << 20  # content row groups: by bytes, not rows
CONTENT_SLICE_ROWS = 256  # rows whose bytes are fetched from the store at a time
DEFAULT_SHARD_BYTES = 256 << 20
MissingHook = Callable[[str], None]


def _with_content(batch: Any, store: ContentStore, on_missing: MissingHook | None) -> Any:
    """``batch`` plus its ``content`` column: the bytes of the rows the store holds,
    null (and reported to ``on_missing``) for the others."""
    import pyarrow as pa

    swhids = batch.column("swhid").to_pylist()
    flags = batch.column("in_storage").to_pylist()
    sha1s = batch.column("sha1").to_pylist()
    sha256s = batch.column("sha256").to_pylist()
    wanted = [i for i, flag in enumerate(flags) if flag]
    values: list[bytes | None] = [None] * len(swhids)
    keys = [
        (bytes.fromhex(sha1s[i]), bytes.fromhex(swhids[i][10:]), bytes.fromhex(sha256s[i]))
        for i in wanted
    ]
    for i, data in zip(wanted, store.get_many(keys), strict=True):
        values[i] = data
    if on_missing is not None:
        for swhid, value in zip(swhids, values, strict=True):
            if value is None:
                on_missing(swhid)
    columns = [*batch.columns, pa.array(values, type=pa.binary())]
    return pa.RecordBatch.from_arrays(columns, names=[*batch.schema.names, "content"])


def parquet_parts(
    chunks: Iterator[bytes],
    meta: dict[str, Any],
    *,
    store: ContentStore | None = None,
    on_missing: MissingHook | None = None,
    shard_bytes: int | None = None,
) -> Iterator[tuple[int, bytes]]:
    """:func:`parquet_batch_parts` over the headerless CSV ``COPY`` stream of the
    Parquet query."""
    # 4 blocks of 1 MB waiting at most (what 16 of 256 kB were), joined once.
    batches = _csv_batches(prefetch(chunks, depth=4, size=CSV_BLOCK_BYTES))
    return parquet_batch_parts(
        batches, meta, store=store, on_missing=on_missing, shard_bytes=shard_bytes
    )


def parquet_batch_parts(
    batches: Iterator[Any],
    meta: dict[str, Any],
    *,
    store: ContentStore | None = None,
    on_missing: MissingHook | None = None,
    shard_bytes: int | None = None,
) -> Iterator[tuple[int, bytes]]:
    """Parquet bytes from record batches of :func:`arrow_schema`, a row group at a time,
    as ``(shard number, bytes)``: a new file starts once a shard has ``shard_bytes``
    (never, when None). With a ``store``, each row carries its file's bytes in a
    ``content`` column (binary; null where the store does not hold them) and row
    groups are cut by bytes, so memory stays bounded by one row group whatever the
    files weigh. The files' key-value metadata name the fingerprints, and at the end
    of each file how many of its contents are missing."""
    import pyarrow as pa

    with_content = store is not None
    metadata = {f"codecommons.{k}": json.dumps(v) for k, v in meta.items()}
    if with_content:
        metadata["codecommons.content"] = json.dumps(
            "file bytes from the content storage; null where it does not hold them "
            "(fetch those from the archive by SWHID)"
        )
    schema = arrow_schema(metadata, with_content)
    missing = [0]

    def count_missing(swhid: str) -> None:
        missing[0] += 1
        if on_missing is not None:
            on_missing(swhid)

    shard = 0
    sink = _Drain()
    # Dictionary encoding only where values repeat: on unique hashes and paths it is
    # wasted work (measured: a third of the write time).
    writer = _writer(sink, schema)
    pending: list[Any] = []
    pending_rows = pending_bytes = 0
    shard_rows = 0  # rows written to the current shard
    group_bytes = CONTENT_ROW_GROUP_BYTES if with_content else ROW_GROUP_BYTES

    def flush() -> bytes:
        nonlocal pending, pending_rows, pending_bytes
        if pending:
            writer.write_table(pa.Table.from_batches(pending, schema=schema), max(1, pending_rows))
        pending, pending_rows, pending_bytes = [], 0, 0
        return sink.take()

    def close() -> bytes:
        data = flush()
        if with_content:
            writer.add_key_value_metadata({"codecommons.missing_contents": str(missing[0])})
        writer.close()
        return data + sink.take()

    for batch in batches:
        pieces = (
            [
                _with_content(batch.slice(i, CONTENT_SLICE_ROWS), store, count_missing)
                for i in range(0, batch.num_rows, CONTENT_SLICE_ROWS)
            ]
            if store is not None
            else [batch]
        )
        for piece in pieces:
            pending.append(piece)
            pending_rows += piece.num_rows
            shard_rows += piece.num_rows
            pending_bytes += piece.nbytes
            if pending_rows >= CHUNK_ROWS or pending_bytes >= group_bytes:
                yield shard, flush()
                if shard_bytes is not None and sink.position >= shard_bytes:
                    yield shard, close()
                    shard, missing[0], shard_rows = shard + 1, 0, 0
                    sink = _Drain()
                    writer = _writer(sink, schema)
    if shard_rows or shard == 0:  # a shard opened after the last row is left out
        yield shard, close()


def _writer(sink: _Drain, schema: Any) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pq.ParquetWriter(
        pa.PythonFile(sink, mode="w"),
        schema,
        compression="zstd",
        use_dictionary=list(DICTIONARY_COLUMNS),
        # Min/max statistics only where a reader can prune on them: numbers. On random
        # hashes and paths they are a quarter of the write time for nothing (measured).
        write_statistics=list(STATISTICS_COLUMNS),
    )


def parquet_stream(
    chunks: Iterator[bytes],
    meta: dict[str, Any],
    *,
    store: ContentStore | None = None,
    on_missing: MissingHook | None = None,
) -> Iterator[bytes]:
    """One Parquet file (see :func:`parquet_parts`)."""
    for _, data in parquet_parts(chunks, meta, store=store, on_missing=on_missing):
        if data:
            yield data


def missing_sql(table: str) -> sql.Composed:
    """The SWHIDs of a build's files whose bytes the content storage did not hold when
    the build ran, one per line, in leaf order: what to fetch from the archive."""
    return sql.SQL(
        "COPY (SELECT 'swh:1:cnt:' || encode(sha1_git, 'hex') FROM {} "
        "WHERE NOT in_storage ORDER BY leaf_index) TO STDOUT"
    ).format(sql.Identifier(table))


# --- whole exports, their lengths, and byte ranges of them ------------------------------


def export_chunks(
    connection: Any,
    table: str,
    fmt: str,
    meta: dict[str, Any],
    *,
    after: int | None = None,
    store: ContentStore | None = None,
    on_missing: MissingHook | None = None,
    limit: int | None = None,
) -> Iterator[bytes]:
    """The bytes of one export (any format), streamed from ``connection``; when
    ``connection`` has written nothing (see :func:`reads_committed_rows`), Parquet
    without content comes from a second connection by ADBC, and JSON Lines from
    segments read in parallel (:func:`segmented_copy`)."""
    build_id = partition_build(connection, table)
    if fmt == "parquet" and store is None and reads_committed_rows(connection):
        uri = adbc_uri(connection)
        batches = adbc_batches(uri, table, after=after, limit=limit, build_id=build_id)
        for _, data in parquet_batch_parts(batches, meta):
            if data:
                yield data
        return
    if fmt == "jsonl" and reads_committed_rows(connection):
        yield from segmented_copy(
            connection, table, fmt, after=after, limit=limit, build_id=build_id
        )
        return
    statement = copy_sql(fmt, table, after=after, limit=limit, build_id=build_id)
    stream = copy_stream(connection, statement)
    if fmt == "parquet":
        yield from parquet_stream(stream, meta, store=store, on_missing=on_missing)
    else:
        yield from coalesce(stream)


# JSON Lines: the server renders every row as JSON, which costs it more than the
# rows themselves (measured: 1.7x the CPU of a plain COPY of the same rows, and 1.5x
# the bytes); one backend doing it alone is the export's bottleneck. Segments of the
# leaf order are rendered by SEGMENT_READERS backends at once and handed out in order;
# at most SEGMENT_READERS + 1 segments (about 15 MB each) wait in memory.
SEGMENT_ROWS = 25_000
SEGMENT_READERS = 2


def partition_build(connection: Any, table: str) -> int | None:
    """The build a manifest partition holds (None when it holds no row). Naming it
    lets a query read a range of the primary key ``(build_id, leaf_index)`` in leaf
    order, where ``leaf_index`` alone scans and sorts the whole partition."""
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT build_id FROM {} LIMIT 1").format(sql.Identifier(table)))
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _last_leaf(
    connection: Any, table: str, build_id: int, after: int | None, limit: int | None
) -> int | None:
    """The leaf index of the last row of an export of ``limit`` rows after ``after``
    (of every row when ``limit`` is None); None when there is none."""
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "SELECT max(leaf_index) FROM (SELECT leaf_index FROM {} "
                "WHERE build_id = %s AND leaf_index > %s ORDER BY leaf_index LIMIT %s) s"
            ).format(sql.Identifier(table)),
            (build_id, -1 if after is None else after, limit),
        )
        row = cursor.fetchone()
    return None if row is None or row[0] is None else int(row[0])


def segmented_copy(
    connection: Any,
    table: str,
    fmt: str,
    *,
    after: int | None = None,
    limit: int | None = None,
    build_id: int | None = None,
) -> Generator[bytes, None, None]:
    """The same bytes as one ``COPY`` of the rows after ``after`` (``limit`` of them),
    read as ranges of leaf indexes (``SEGMENT_ROWS`` wide) by ``SEGMENT_READERS``
    connections of their own and yielded in leaf order. Only for rows every
    connection sees the same (:func:`reads_committed_rows`), and formats without a
    header (a segment's rows stand alone). ``build_id``: the partition's build, when
    the caller has it (:func:`partition_build`)."""
    import queue
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    import psycopg

    if build_id is None:
        build_id = partition_build(connection, table)
    last = None if build_id is None else _last_leaf(connection, table, build_id, after, limit)
    if build_id is None or last is None:
        return
    first = -1 if after is None else after
    uri = adbc_uri(connection)
    idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
    opened: list[Any] = []

    def segment(lo: int, hi: int) -> list[bytes]:
        try:
            conn = idle.get_nowait()
        except queue.Empty:
            conn = psycopg.connect(uri, autocommit=True)
            opened.append(conn)
        try:
            statement = copy_sql(fmt, table, after=lo, until=hi, build_id=build_id)
            return list(coalesce(copy_stream(conn, statement)))
        finally:
            idle.put(conn)

    ranges = iter([(lo, min(lo + SEGMENT_ROWS, last)) for lo in range(first, last, SEGMENT_ROWS)])
    waiting: deque[Future[list[bytes]]] = deque()
    try:
        with ThreadPoolExecutor(SEGMENT_READERS, thread_name_prefix="copy-segment") as pool:
            try:
                for lo, hi in ranges:
                    waiting.append(pool.submit(segment, lo, hi))
                    if len(waiting) > SEGMENT_READERS:
                        yield from waiting.popleft().result()
                while waiting:
                    yield from waiting.popleft().result()
            finally:
                for future in waiting:  # the caller stopped early: start nothing more
                    future.cancel()
    finally:
        for conn in opened:
            conn.close()


def reads_committed_rows(connection: Any) -> bool:
    """Whether another connection sees what ``connection`` sees: its transaction has
    written nothing (no transaction id). A build's manifest never changes once the
    build succeeded, so a second connection reads the same rows; a transaction that
    is still writing (a build rendering its card, a test's rolled-back world) keeps
    the export on its own connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT txid_current_if_assigned() IS NULL")
        row = cursor.fetchone()
    return bool(row and row[0])


def length_key(fmt: str, with_content: bool, arrow_reader: str = "csv") -> str:
    """What an export's length is cached under in the build's stats. Parquet bytes
    depend on the writer's version (it names itself in the file) and on where row
    groups and batches are cut, so both are part of the key (a length cached before
    the cuts changed is not read back); exports with content are never cached (the
    store may gain or lose files). ``arrow_reader``: where the batches came from
    ("csv" or "adbc", see :func:`export_chunks`): their sizes move the cuts."""
    if fmt != "parquet":
        return fmt
    import pyarrow as pa

    source = f"csv{CSV_BLOCK_BYTES}" if arrow_reader == "csv" else f"adbc{ADBC_BATCH_BYTES}"
    cuts = f"rows{CHUNK_ROWS}-bytes{ROW_GROUP_BYTES}-{source}"
    return f"parquet@pyarrow-{pa.__version__}/{cuts}" + ("+content" if with_content else "")


_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def parse_range(header: str | None) -> tuple[int | None, int | None] | None:
    """One ``bytes`` range of a ``Range`` header as ``(first, last)`` (``(None, n)``:
    the last n bytes), or None for what RFC 9110 §14.2 lets a server ignore (no
    header, another unit, several ranges, a malformed or reversed range): the whole
    representation is sent then."""
    if header is None:
        return None
    match = _RANGE.match(header)
    if match is None or (not match.group(1) and not match.group(2)):
        return None
    first = int(match.group(1)) if match.group(1) else None
    last = int(match.group(2)) if match.group(2) else None
    if first is not None and last is not None and last < first:
        return None
    return first, last


def resolve_range(wanted: tuple[int | None, int | None], length: int) -> tuple[int, int] | None:
    """The inclusive byte positions a parsed range selects in ``length`` bytes, or
    None when it selects nothing (the caller answers 416)."""
    first, last = wanted
    if first is None:  # suffix: the last `last` bytes
        if not last or length == 0:
            return None
        return max(0, length - (last or 0)), length - 1
    if first >= length:
        return None
    return first, length - 1 if last is None else min(last, length - 1)


def byte_window(chunks: Iterator[bytes], first: int, last: int) -> Iterator[bytes]:
    """Bytes ``first..last`` (inclusive) of a stream, without holding more than a
    chunk: the export is produced again from its start (it is deterministic: the same
    manifest gives the same bytes) and what precedes the window is dropped. The
    stream is read to its end even past the window, so the ``COPY`` under it finishes
    normally (resumes ask for open-ended ranges: nothing follows them)."""
    position = 0
    for chunk in chunks:
        end = position + len(chunk)
        if end > first and position <= last:
            yield chunk[max(0, first - position) : last + 1 - position]
        position = end
