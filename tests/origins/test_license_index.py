"""The ``origin_license`` search index (migration 0004) follows every change of the
findings and occurrences it summarizes, whatever order they arrive in; after any of
them it equals a recomputation from scratch."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, insert, text, update
from sqlalchemy.orm import Session, sessionmaker

from app.models import Content, LicenseFinding, Origin, PathOccurrence
from tests.factories import (
    ContentFactory,
    LicenseFindingFactory,
    OriginFactory,
    PathOccurrenceFactory,
    SnapshotFactory,
    bind,
)

Row = tuple[str, str, str, tuple[str, ...]]


def index_of(db: Session, origin: Origin) -> set[Row]:
    db.flush()
    rows = db.execute(
        text("SELECT via, expression, keys FROM origin_license WHERE origin_id = :id"),
        {"id": origin.id},
    )
    return {(origin.url, via, expression, tuple(sorted(keys))) for via, expression, keys in rows}


def recomputed(db: Session) -> set[tuple[object, ...]]:
    """The whole index, support counts included, computed from the source tables."""
    db.flush()
    return {
        tuple(r)
        for r in db.execute(
            text(
                "SELECT f.origin_id, 'declared', f.expression, count(*) FROM license_finding f "
                "WHERE f.origin_id IS NOT NULL AND f.expression IS NOT NULL "
                "GROUP BY 1, 3 "
                "UNION ALL SELECT o.origin_id, 'detected', f.expression, count(*) "
                "FROM path_occurrence o "
                "JOIN license_finding f ON f.content_id = o.content_id "
                "WHERE f.expression IS NOT NULL GROUP BY 1, 3"
            )
        )
    }


def stored(db: Session) -> set[tuple[object, ...]]:
    db.flush()
    return {
        tuple(r)
        for r in db.execute(text("SELECT origin_id, via, expression, support FROM origin_license"))
    }


@pytest.mark.parametrize(
    ("expression", "keys"),
    [
        ("MIT", ["mit"]),
        ("(MIT OR Apache-2.0) AND BSD-3-Clause", ["apache-2.0", "bsd-3-clause", "mit"]),
        (
            "GPL-2.0-only WITH Classpath-exception-2.0",
            ["classpath-exception-2.0", "gpl-2.0-only"],
        ),
        ("GPL-2.0+", ["gpl-2.0+"]),
        ("LicenseRef-scancode-public-domain", ["licenseref-scancode-public-domain"]),
    ],
)
def test_keys_are_the_expressions_identifiers(
    db: Session, expression: str, keys: list[str]
) -> None:
    found = db.execute(text("SELECT license_keys(:e)"), {"e": expression}).scalar_one()
    assert sorted(found) == keys


def test_declared_findings_are_indexed_and_replaced(db: Session) -> None:
    origin = OriginFactory()
    LicenseFindingFactory(origin_id=origin.id, expression="MIT OR Apache-2.0")
    LicenseFindingFactory(origin_id=origin.id, expression=None, original_text="BSD")
    assert index_of(db, origin) == {
        (origin.url, "declared", "MIT OR Apache-2.0", ("apache-2.0", "mit"))
    }
    # What a refresh does: the forge's set is deleted, then the new one written.
    db.execute(delete(LicenseFinding).where(LicenseFinding.origin_id == origin.id))
    assert index_of(db, origin) == set()
    LicenseFindingFactory(origin_id=origin.id, expression="GPL-3.0-only")
    assert index_of(db, origin) == {(origin.url, "declared", "GPL-3.0-only", ("gpl-3.0-only",))}


@pytest.mark.parametrize("finding_first", [True, False])
def test_detected_in_a_file_whichever_arrives_first(db: Session, finding_first: bool) -> None:
    origin = OriginFactory()
    content = ContentFactory()
    snapshot = SnapshotFactory()

    def finding() -> None:
        LicenseFindingFactory(
            content_id=content.id, expression="BSD-3-Clause", source="license_file"
        )

    def occurrence() -> None:
        PathOccurrenceFactory(content_id=content.id, origin_id=origin.id, snapshot_id=snapshot.id)

    for step in (finding, occurrence) if finding_first else (occurrence, finding):
        step()
        db.flush()
    assert index_of(db, origin) == {(origin.url, "detected", "BSD-3-Clause", ("bsd-3-clause",))}


def test_removals_recompute_only_what_is_gone(db: Session) -> None:
    origin, other = OriginFactory(), OriginFactory()
    snapshot = SnapshotFactory()
    mit_a, mit_b, gpl = ContentFactory(), ContentFactory(), ContentFactory()
    for content, expression in ((mit_a, "MIT"), (mit_b, "MIT"), (gpl, "GPL-2.0-only")):
        LicenseFindingFactory(content_id=content.id, expression=expression, source="header")
        PathOccurrenceFactory(content_id=content.id, origin_id=origin.id, snapshot_id=snapshot.id)
    PathOccurrenceFactory(content_id=gpl.id, origin_id=other.id, snapshot_id=snapshot.id)
    LicenseFindingFactory(origin_id=origin.id, expression="MIT")
    assert {r[1:3] for r in index_of(db, origin)} == {
        ("declared", "MIT"),
        ("detected", "MIT"),
        ("detected", "GPL-2.0-only"),
    }
    # One of two MIT files goes: MIT stays detected.
    db.execute(delete(PathOccurrence).where(PathOccurrence.content_id == mit_a.id))
    assert ("detected", "MIT") in {r[1:3] for r in index_of(db, origin)}
    # The GPL finding goes: gone from both origins that hold the file.
    db.execute(delete(LicenseFinding).where(LicenseFinding.content_id == gpl.id))
    assert {r[1:3] for r in index_of(db, origin)} == {("declared", "MIT"), ("detected", "MIT")}
    assert index_of(db, other) == set()
    # A finding changes its expression (a re-detection): the index follows.
    db.execute(
        update(LicenseFinding)
        .where(LicenseFinding.content_id == mit_b.id)
        .values(expression="MIT-0")
    )
    assert {r[1:3] for r in index_of(db, origin)} == {("declared", "MIT"), ("detected", "MIT-0")}
    assert stored(db) == recomputed(db)
    # A content goes (cascading to its findings and occurrences).
    db.execute(delete(Content).where(Content.id == mit_b.id))
    assert {r[1:3] for r in index_of(db, origin)} == {("declared", "MIT")}
    assert stored(db) == recomputed(db)
    # The origin goes: so do its rows.
    db.execute(delete(Origin).where(Origin.id == origin.id))
    assert index_of(db, origin) == set()
    assert stored(db) == recomputed(db)


def test_updates_that_change_nothing_indexed_leave_the_index_alone(db: Session) -> None:
    origin = OriginFactory()
    LicenseFindingFactory(origin_id=origin.id, expression="MIT")
    before = stored(db)
    db.execute(update(LicenseFinding).values(score=50.0, evidence_path="LICENSE"))
    assert stored(db) == before == recomputed(db)


def test_truncate_empties_what_it_supported(db: Session) -> None:
    origin = OriginFactory()
    content = ContentFactory()
    LicenseFindingFactory(origin_id=origin.id, expression="MIT")
    LicenseFindingFactory(content_id=content.id, expression="Zlib", source="header")
    PathOccurrenceFactory(
        content_id=content.id, origin_id=origin.id, snapshot_id=SnapshotFactory().id
    )
    assert {r[1] for r in stored(db)} == {"declared", "detected"}
    db.execute(text("TRUNCATE path_occurrence"))
    assert {r[1] for r in stored(db)} == {"declared"}
    assert stored(db) == recomputed(db)
    db.execute(text("TRUNCATE license_finding"))
    assert stored(db) == set() == recomputed(db)


def test_many_rows_in_one_statement_match_a_recomputation(db: Session) -> None:
    """A bulk COPY-sized statement (as the fast import and scans write) with duplicates
    of the same (origin, expression) in it."""
    origins = [OriginFactory() for _ in range(5)]
    snapshot = SnapshotFactory()
    contents = [ContentFactory() for _ in range(6)]
    db.flush()
    db.execute(
        text(
            "INSERT INTO license_finding (content_id, expression, source, tool, tool_version) "
            "SELECT c, e, 'header', 't', '1' FROM unnest(CAST(:c AS bigint[]), "
            "CAST(:e AS text[])) AS x(c, e)"
        ),
        {
            "c": [c.id for c in contents],
            "e": ["MIT", "MIT", "Apache-2.0", "MIT AND Zlib", "Zlib", "MIT"],
        },
    )
    db.execute(
        text(
            "INSERT INTO path_occurrence (content_id, origin_id, snapshot_id, path) "
            "SELECT c.id, o.id, :s, convert_to(c.id::text || '/' || o.id::text, 'UTF8') "
            "FROM unnest(CAST(:c AS bigint[])) AS c(id), unnest(CAST(:o AS bigint[])) AS o(id) "
            "WHERE (c.id + o.id) % 2 = 0"
        ),
        {"c": [c.id for c in contents], "o": [o.id for o in origins], "s": snapshot.id},
    )
    assert stored(db) == recomputed(db)
    assert len(stored(db)) > 5


def test_concurrent_writers_add_up(committed_factory: sessionmaker[Session]) -> None:
    """Two transactions on the same (origin, expression): one adds a second MIT finding
    and stays open while the other removes the first. The remover waits for the adder's
    row lock and then subtracts from the count the adder left: MIT stays indexed (a
    recomputation from the remover's snapshot would have dropped it)."""
    with committed_factory() as setup:
        bind(setup)
        origin = OriginFactory()
        first = LicenseFindingFactory(origin_id=origin.id, expression="MIT", tool="a")
        setup.commit()
        origin_id, first_id = origin.id, first.id
    adder, remover = committed_factory(), committed_factory()
    try:
        adder.execute(
            insert(LicenseFinding).values(
                origin_id=origin_id,
                expression="MIT",
                original_text="MIT",
                source="forge_declared",
                tool="b",
                tool_version="1",
            )
        )
        done = threading.Event()

        def remove() -> None:
            remover.execute(delete(LicenseFinding).where(LicenseFinding.id == first_id))
            remover.commit()
            done.set()

        thread = threading.Thread(target=remove)
        thread.start()
        assert not done.wait(0.5)  # blocked on the adder's row lock
        adder.commit()
        thread.join(10)
        assert done.is_set()
    finally:
        adder.close()
        remover.close()
    with committed_factory() as check:
        rows = check.execute(
            text("SELECT via, expression, support FROM origin_license WHERE origin_id = :o"),
            {"o": origin_id},
        ).all()
    assert [tuple(r) for r in rows] == [("declared", "MIT", 1)]
