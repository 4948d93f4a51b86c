"""``/v1/datasets``: definitions, builds, manifests, membership proofs, exports,
cards, diffs, and what opt-outs did to builds (withdrawals, their feed and webhooks,
proofs of exclusion); ``/v1/optouts/{id}/impact``, an author's view of the builds
their opt-out touched, and ``/v1/optouts/me`` (``/{id}/author``) the same across
every request verified as their identity. Thin: the logic lives in the service modules."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from app.datasets import (
    card,
    diff,
    exclusion,
    exports,
    impact,
    membership,
    repository,
    service,
    withdrawals,
)
from app.datasets.schemas import (
    AuthorViewOut,
    BuildIn,
    BuildOut,
    DatasetEditIn,
    DatasetIn,
    DatasetOut,
    DatasetRevisionOut,
    DiffOut,
    ExclusionOut,
    ExportFormat,
    ImpactOut,
    ManifestRowOut,
    MembershipOut,
    OriginMembershipOut,
    WebhookIn,
    WebhookOut,
    WithdrawalsOut,
)
from app.keys.auth import Admin, Submitter
from app.kit.api import SettingsDep, UoW, problems
from app.kit.db import UnitOfWork
from app.kit.httpcache import if_none_match_matches
from app.kit.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    decode_id_cursor,
    encode_cursor,
    next_link,
)
from app.kit.params import BuildNumber, Cursor, LeafIndex, RegistryVersion, RevisionNumber
from app.kit.problems import NotFound, Problem, RangeNotSatisfiable
from app.optouts import authors, feed, webhooks
from app.optouts import service as optouts_service
from app.optouts.auth import credentials
from app.optouts.tokenguard import TOKEN_CHECK_RESPONSES, TokenChecked
from app.storage.store import content_store

router = APIRouter(prefix="/v1/datasets", tags=["datasets"])
optouts_router = APIRouter(prefix="/v1/optouts", tags=["optouts"])
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=DatasetOut)
def create_dataset(uow: UoW, _key: Submitter, body: DatasetIn) -> DatasetOut:
    """Define a dataset: purpose and selection (revision 1). A 422 lists every wrong
    field of the selection, with suggestions for unknown names."""
    dataset, _ = service.create(uow, body)
    return service.dataset_out(uow.session, dataset)


@router.get("", response_model=Page[DatasetOut])
def list_datasets(
    uow: UoW,
    request: Request,
    response: Response,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> Page[DatasetOut]:
    rows = repository.list_datasets(
        uow.session, after_id=decode_id_cursor("datasets", cursor), limit=limit + 1
    )
    more = len(rows) > limit
    next_cursor = encode_cursor("datasets", [rows[limit - 1].id]) if more else None
    response.headers.update(next_link(request.url, next_cursor))
    return Page[DatasetOut](
        items=[service.dataset_out(uow.session, d) for d in rows[:limit]], next_cursor=next_cursor
    )


@router.get("/{ref}", response_model=DatasetOut)
def get_dataset(uow: UoW, ref: str) -> DatasetOut:
    """A dataset by id or name, with its current revision."""
    return service.dataset_out(uow.session, service.resolve(uow.session, ref))


@router.patch("/{ref}", response_model=DatasetOut)
def edit_dataset(uow: UoW, _key: Submitter, ref: str, body: DatasetEditIn) -> DatasetOut:
    """Edit: a changed purpose or selection becomes a new revision (built revisions
    never change); the description changes in place."""
    dataset, _ = service.edit(uow, ref, body)
    return service.dataset_out(uow.session, dataset)


@router.get("/{ref}/revisions/{number}", response_model=DatasetRevisionOut)
def get_revision(uow: UoW, ref: str, number: RevisionNumber) -> DatasetRevisionOut:
    dataset = service.resolve(uow.session, ref)
    revision = repository.revision(uow.session, dataset.id, number)
    if revision is None:
        raise NotFound(f"dataset {dataset.name!r} has no revision {number}")
    return DatasetRevisionOut.of(revision, repository.revision_is_built(uow.session, revision.id))


# --- builds ------------------------------------------------------------------------------


@router.post("/{ref}/builds", status_code=status.HTTP_202_ACCEPTED, response_model=BuildOut)
def start_build(uow: UoW, _key: Submitter, ref: str, body: BuildIn | None = None) -> BuildOut:
    """Build a revision (a job: follow it at ``/v1/jobs/{job_id}``)."""
    build, revision = service.submit_build(uow, ref, body or BuildIn())
    return BuildOut.of(build, revision)


@router.get("/{ref}/builds", response_model=Page[BuildOut])
def list_builds(
    uow: UoW,
    request: Request,
    response: Response,
    ref: str,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> Page[BuildOut]:
    dataset = service.resolve(uow.session, ref)
    rows = repository.list_builds(
        uow.session,
        dataset.id,
        after_number=decode_id_cursor("builds", cursor),
        limit=limit + 1,
    )
    more = len(rows) > limit
    next_cursor = encode_cursor("builds", [rows[limit - 1].number]) if more else None
    response.headers.update(next_link(request.url, next_cursor))
    items = []
    for row in rows[:limit]:
        revision = repository.revision_by_id(uow.session, row.revision_id)
        assert revision is not None
        items.append(BuildOut.of(row, revision))
    return Page[BuildOut](items=items, next_cursor=next_cursor)


@router.get("/{ref}/builds/{number}", response_model=BuildOut)
def get_build(uow: UoW, ref: str, number: BuildNumber) -> BuildOut:
    """A build: state, funnel, fingerprints, cut-off, versions."""
    build, revision = service.get_build(uow.session, ref, number)
    return BuildOut.of(build, revision)


@router.delete("/{ref}/builds/{number}", status_code=status.HTTP_204_NO_CONTENT)
def drop_build(uow: UoW, _key: Admin, ref: str, number: BuildNumber) -> Response:
    """Drop a finished build and its manifest partition."""
    service.drop_build(uow, ref, number)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{ref}/builds/{number}/manifest", response_model=Page[ManifestRowOut])
def manifest(
    uow: UoW,
    request: Request,
    response: Response,
    ref: str,
    number: BuildNumber,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> Page[ManifestRowOut]:
    """The frozen rows, in leaf (SWHID) order."""
    build, _ = service.finished_build(uow.session, ref, number)
    rows = repository.manifest_rows(
        uow.session,
        build.id,
        after_leaf=decode_id_cursor(f"manifest:{build.id}", cursor),
        limit=limit + 1,
    )
    more = len(rows) > limit
    next_cursor = (
        encode_cursor(f"manifest:{build.id}", [rows[limit - 1].leaf_index]) if more else None
    )
    response.headers.update(next_link(request.url, next_cursor))
    return Page[ManifestRowOut](
        items=[ManifestRowOut.of(r) for r in rows[:limit]], next_cursor=next_cursor
    )


@router.get(
    "/{ref}/builds/{number}/membership",
    response_model=MembershipOut | OriginMembershipOut,
)
def build_membership(
    uow: UoW,
    ref: str,
    number: BuildNumber,
    swhid: str | None = None,
    sha1: str | None = None,
    sha256: str | None = None,
    origin: str | None = None,
) -> MembershipOut | OriginMembershipOut:
    """Is a file in the build? By content SWHID, or sha1/sha256 of its bytes: yes with
    an RFC 9162 inclusion proof, or no with a non-inclusion proof (the adjacent leaves
    and their proofs). By ``origin`` URL: which of its archived files are in."""
    build, _ = service.finished_build(uow.session, ref, number)
    if origin is not None:
        if swhid or sha1 or sha256:
            raise Problem("give exactly one of swhid, sha1, sha256 or origin")
        return membership.prove_origin(uow.session, build, origin)
    algo, digest = membership.content_key(swhid, sha1, sha256)
    return membership.prove_hash(uow.session, build, algo, digest)


@router.get(
    "/{ref}/builds/{number}/export/{fmt}",
    responses={
        206: {"description": "Partial Content: the bytes a `Range: bytes=...` asked for."},
        **problems(400, 416),
    },
)
def export(
    uow: UoW,
    request: Request,
    ref: str,
    number: BuildNumber,
    fmt: ExportFormat,
    after: Annotated[LeafIndex | None, Query(description="Resume after this leaf index.")] = None,
    with_content: Annotated[
        bool,
        Query(
            description="Parquet only: a `content` column with each file's bytes (null, "
            "and counted in the file's `codecommons.missing_contents` metadata, where the "
            "content storage does not hold them; `missing.txt` lists those SWHIDs)."
        ),
    ] = False,
) -> Response:
    """The whole manifest as JSON Lines, CSV or Parquet, streamed. ``ETag`` is the
    extensional fingerprint and format; an interrupted download resumes with
    ``Range: bytes=<bytes received>-`` (``206``; ``If-Range`` with the ETag guards
    it) or with ``after=<last leaf index received>``."""
    if with_content and fmt is not ExportFormat.PARQUET:
        raise Problem("with_content is for Parquet exports only (binary column)")
    build, revision = service.finished_build(uow.session, ref, number)
    dataset = service.resolve(uow.session, ref)
    meta = exports.sidecar(build, revision, dataset.name)
    variant = fmt.value + ("-content" if with_content else "")
    etag = f'"{meta["extensional_fingerprint"]}-{variant}' + (
        f'-after{after}"' if after is not None else '"'
    )
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Content-Disposition": f'attachment; filename="{dataset.name}-build{number}'
        + ("-content" if with_content else "")
        + f'.{fmt.value}"',
        "X-Intensional-Fingerprint": meta["intensional_fingerprint"],
        "X-Extensional-Fingerprint": meta["extensional_fingerprint"],
        "Link": f'<{request.url.path.rsplit("/export/", 1)[0]}/export.json>; rel="describedby"',
        "Cache-Control": "no-cache",
    }
    match = request.headers.get("if-none-match")
    if match is not None and if_none_match_matches(match, etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    table = repository.partition_name(build.id)
    store = content_store() if with_content else None
    if with_content and store is None:
        raise Problem("the content storage is disabled here (CONTENT_STORAGE_ENABLED)")
    wanted = exports.parse_range(request.headers.get("range"))
    if_range = request.headers.get("if-range")
    if wanted is not None and if_range is not None and if_range.strip() != etag:
        wanted = None  # the client's copy is another representation: send it whole
    window: tuple[int, int] | None = None
    if wanted is not None:
        length = service.export_length(uow.session, build, fmt.value, meta, after, store)
        window = exports.resolve_range(wanted, length)
        if window is None:
            raise RangeNotSatisfiable(f"the export is {length} bytes long", length)
        headers["Content-Range"] = f"bytes {window[0]}-{window[1]}/{length}"
        headers["Content-Length"] = str(window[1] - window[0] + 1)

    def body() -> Iterator[bytes]:
        # Its own session: the request's unit of work ends before the body streams.
        with factory() as session:
            raw = session.connection().connection.driver_connection
            chunks = exports.export_chunks(raw, table, fmt.value, meta, after=after, store=store)
            yield from chunks if window is None else exports.byte_window(chunks, *window)
            session.rollback()

    return StreamingResponse(
        _started(uow, body()),
        status_code=status.HTTP_200_OK if window is None else status.HTTP_206_PARTIAL_CONTENT,
        media_type=exports.MEDIA_TYPES[fmt.value],
        headers=headers,
    )


@router.get("/{ref}/builds/{number}/missing.txt", response_class=Response)
def missing_contents(uow: UoW, request: Request, ref: str, number: BuildNumber) -> Response:
    """The SWHIDs of the build's files whose bytes the content storage did not hold
    when the build ran (too large, or archived without them), one per line: the
    files an export ``with_content`` leaves null, to fetch from the archive."""
    build, _ = service.finished_build(uow.session, ref, number)
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    statement = exports.missing_sql(repository.partition_name(build.id))

    def body() -> Iterator[bytes]:
        with factory() as session:
            raw = session.connection().connection.driver_connection
            yield from exports.copy_stream(raw, statement)
            session.rollback()

    return StreamingResponse(_started(uow, body()), media_type="text/plain; charset=utf-8")


def _started(uow: UnitOfWork, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The stream run to its first chunk before the response starts: its database
    connection taken (or refused) while an error can still be its own answer. Begun in
    the body, a pool timeout or a lost database came after the ``200`` and the ETag,
    as an empty or cut download. The request's own connection is given back first
    (its reads are done), so that an export never holds two."""
    uow.commit()
    try:
        first = next(chunks)
    except StopIteration:
        return iter(())
    return itertools.chain((first,), chunks)


@router.get("/{ref}/builds/{number}/export.json")
def export_sidecar(uow: UoW, ref: str, number: BuildNumber) -> dict[str, object]:
    """What every export names: dataset, build, cut-off and both fingerprints."""
    build, revision = service.finished_build(uow.session, ref, number)
    return exports.sidecar(build, revision, service.resolve(uow.session, ref).name)


# --- cards --------------------------------------------------------------------------------


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/{ref}/builds/{number}/card.md", response_class=Response)
def card_md(uow: UoW, request: Request, ref: str, number: BuildNumber) -> Response:
    """The dataset card: Hugging Face YAML header and readable prose, every number
    from the manifest; charts at ``charts/{name}.png``."""
    build, revision = service.finished_build(uow.session, ref, number)
    dataset = service.resolve(uow.session, ref)
    facts = card.facts(uow.session, build)
    text = card.card_markdown(dataset, revision, build, facts, _base(request))
    return Response(text, media_type="text/markdown; charset=utf-8")


@router.get("/{ref}/builds/{number}/charts/{name}.png", response_class=Response)
def card_chart(uow: UoW, ref: str, number: BuildNumber, name: str) -> Response:
    if name not in card.CHARTS:
        raise NotFound(f"no chart {name!r} (charts: {', '.join(card.CHARTS)})")
    build, _ = service.finished_build(uow.session, ref, number)
    png = card.chart(name, build, card.facts(uow.session, build))
    return Response(png, media_type="image/png")


@router.get("/{ref}/builds/{number}/croissant.json")
def croissant_json(uow: UoW, request: Request, ref: str, number: BuildNumber) -> dict[str, object]:
    """MLCommons Croissant 1.1 JSON-LD: distributions with SHA-256 checksums, the record
    set of the manifest, the Responsible-AI fields that apply."""
    build, revision = service.finished_build(uow.session, ref, number)
    dataset = service.resolve(uow.session, ref)
    facts = card.facts(uow.session, build)
    sums = card.checksums(uow.session, build, exports.sidecar(build, revision, dataset.name))
    return card.croissant(dataset, revision, build, facts, sums, _base(request))


@router.get("/{ref}/builds/{number}/diff/{other}", response_model=DiffOut)
def build_diff(
    uow: UoW,
    request: Request,
    response: Response,
    ref: str,
    number: BuildNumber,
    other: BuildNumber,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> DiffOut:
    """SWHIDs added and removed from build ``number`` to build ``other``, each with
    its reason (new data, license changed, opted out, filter changed, data changed,
    ranking); ``reasons`` counts the page's entries, ``added``/``removed`` all."""
    base = service.finished_build(uow.session, ref, number)
    then = service.finished_build(uow.session, ref, other)
    diff.check_pair(base[0], then[0])
    out = diff.diff(uow.session, base[0].dataset_id, base, then, cursor, limit)
    response.headers.update(next_link(request.url, out.next_cursor))
    return out


# --- opt-outs and builds ------------------------------------------------------------------


@router.get("/{ref}/builds/{number}/withdrawals", response_model=WithdrawalsOut)
def build_withdrawals(
    uow: UoW,
    request: Request,
    response: Response,
    ref: str,
    number: BuildNumber,
    since: Annotated[
        RegistryVersion, Query(description="Only withdrawals after this registry version.")
    ] = 0,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> WithdrawalsOut:
    """Files of this build that opt-outs in force since it was built now cover: drop
    them before training again. SWHIDs only, never who asked; by registry version."""
    build, _ = service.finished_build(uow.session, ref, number)
    out = withdrawals.listing(uow.session, build, since, cursor, limit)
    response.headers.update(next_link(request.url, out.next_cursor))
    return out


@router.get("/{ref}/withdrawals/feed.json")
def withdrawals_json_feed(uow: UoW, request: Request, ref: str) -> Response:
    """The dataset's change feed (JSON Feed 1.1): one item per build and registry
    version that withdrew files, newest first, with the SWHIDs."""
    dataset = service.resolve(uow.session, ref)
    entries = withdrawals.dataset_entries(uow.session, dataset.id)
    base = _base(request)
    body = feed.json_feed_bytes(
        f"Withdrawals from {dataset.name}",
        f"{base}/v1/datasets/{dataset.id}",
        f"{base}{withdrawals.feed_path(dataset.id)}",
        entries,
    )
    return Response(body, media_type="application/feed+json")


@router.get("/{ref}/withdrawals/feed.atom")
def withdrawals_atom_feed(uow: UoW, request: Request, ref: str) -> Response:
    """The same change feed in Atom (RFC 4287)."""
    dataset = service.resolve(uow.session, ref)
    entries = withdrawals.dataset_entries(uow.session, dataset.id)
    body = feed.atom_feed(
        f"Withdrawals from {dataset.name}",
        f"tag:codecommons,2026:dataset/{dataset.id}/withdrawals",
        f"{_base(request)}/v1/datasets/{dataset.id}/withdrawals/feed.atom",
        entries,
    )
    return Response(body, media_type="application/atom+xml")


@router.post("/{ref}/webhooks", status_code=status.HTTP_201_CREATED, response_model=WebhookOut)
def subscribe_withdrawals(uow: UoW, _key: Submitter, ref: str, body: WebhookIn) -> WebhookOut:
    """Have the dataset's withdrawals POSTed to a URL (signed, retried with backoff).
    The secret is shown once."""
    dataset = service.resolve(uow.session, ref)
    topic = withdrawals.topic(dataset.id)
    sub, secret = webhooks.subscribe(uow.session, topic, body.url)
    return WebhookOut(id=sub.id, topic=topic, url=sub.url, secret=secret)


@router.get("/{ref}/builds/{number}/exclusion", response_model=ExclusionOut)
def build_exclusion(uow: UoW, ref: str, number: BuildNumber, swhid: str) -> ExclusionOut:
    """Was this file left out of the build by an opt-out? Yes with an RFC 9162
    inclusion proof in the excluded set (its root is the build's
    ``optout_exclusion.root``), or no."""
    build, _ = service.finished_build(uow.session, ref, number)
    _, sha1_git = membership.content_key(swhid, None, None)
    return exclusion.prove(uow.session, build, sha1_git)


@optouts_router.get(
    "/me", response_model=AuthorViewOut, responses={**problems(404, 409), **TOKEN_CHECK_RESPONSES}
)
def author_me(
    uow: UoW, _guard: TokenChecked, request: Request, response: Response
) -> AuthorViewOut:
    """An author's view, for the holder of a requester token (``Authorization: Bearer
    cco_...``) of a verified request: every request verified as the same identity (a
    forge account, an e-mail address), the builds that included that code before each
    opt-out and what was withdrawn from them. 404 for any other caller."""
    token, _ = credentials(request)
    found = authors.by_token(uow.session, token) if token else None
    if found is None:
        raise NotFound("no opt-out request for this token (present your cco_... token)")
    response.headers["Cache-Control"] = "private, no-store"
    return impact.author_view(uow.session, found)


@optouts_router.get(
    "/{public_id}/author",
    response_model=AuthorViewOut,
    responses={**problems(404, 409), **TOKEN_CHECK_RESPONSES},
)
def optout_author(
    uow: UoW, _guard: TokenChecked, request: Request, response: Response, public_id: str
) -> AuthorViewOut:
    """The author's view of the identity this request proved, for its requester (their
    token) and operators: as ``/v1/optouts/me``."""
    token, operator = credentials(request)
    found = optouts_service.authorize(uow.session, public_id, token, operator)
    response.headers["Cache-Control"] = "private, no-store"
    return impact.author_view(uow.session, found)


@optouts_router.get(
    "/{public_id}/impact",
    response_model=ImpactOut,
    responses={**problems(404), **TOKEN_CHECK_RESPONSES},
)
def optout_impact(
    uow: UoW,
    _guard: TokenChecked,
    settings: SettingsDep,
    request: Request,
    response: Response,
    public_id: str,
) -> ImpactOut:
    """For the requester (their token) and operators: every scope the opt-out covers,
    the builds that included that code and what was withdrawn from them."""
    token, operator = credentials(request)
    found = optouts_service.authorize(uow.session, public_id, token, operator)
    response.headers["Cache-Control"] = "private, no-store"
    return impact.impact(uow.session, found)
