"""GraphQL fields of datasets: definitions, builds, manifests (Relay connections, paged
like REST and priced by the cost rules through ``first``), membership, and what
opt-outs did to a build: its withdrawals (SWHIDs only) and proofs of exclusion; and an
opt-out's impact, for its requester (their token) and operators only, as in REST."""

from __future__ import annotations

import strawberry
from sqlalchemy.orm import Session
from strawberry.experimental.pydantic import type as pydantic_type
from strawberry.scalars import JSON

from app.config import get_settings
from app.datasets import exclusion, impact, membership, repository, service, withdrawals
from app.datasets.schemas import (
    AuthorIdentityOut,
    AuthorViewOut,
    BuildImpactOut,
    BuildOut,
    DatasetOut,
    DatasetRevisionOut,
    ExclusionOut,
    FileLicenseOut,
    FingerprintsOut,
    ImpactOut,
    LeafOut,
    ManifestRowOut,
    MembershipOut,
    OptoutExclusionOut,
    ProofOut,
    WithdrawalOut,
    WithdrawalsOut,
)
from app.graphql.context import Context
from app.graphql.convert import to_gql
from app.graphql.relay import Connection, Edge, PageInfo, check_first, connection
from app.kit.pagination import count_rows, decode_id_cursor, encode_cursor
from app.kit.params import INT8_MAX
from app.kit.problems import NotFound, Problem
from app.optouts import authors
from app.optouts import service as optouts_service
from app.optouts.auth import operator_of
from app.optouts.tokenguard import check_token


@pydantic_type(model=DatasetRevisionOut)
class DatasetRevision:
    revision: strawberry.auto
    purpose: strawberry.auto
    selection: JSON
    selection_sha256: strawberry.auto
    built: strawberry.auto
    created_at: strawberry.auto


@pydantic_type(model=DatasetOut, all_fields=True)
class Dataset:
    pass


@pydantic_type(model=FingerprintsOut, all_fields=True)
class Fingerprints:
    pass


@pydantic_type(model=OptoutExclusionOut, all_fields=True)
class OptoutExclusion:
    pass


@pydantic_type(model=FileLicenseOut, all_fields=True)
class FileLicense:
    pass


@pydantic_type(model=ManifestRowOut, all_fields=True)
class ManifestRow:
    pass


@pydantic_type(model=LeafOut, all_fields=True)
class ProofLeaf:
    pass


@pydantic_type(model=ProofOut, all_fields=True)
class MembershipProof:
    pass


@pydantic_type(model=MembershipOut, all_fields=True)
class Membership:
    pass


@pydantic_type(model=WithdrawalOut, all_fields=True)
class Withdrawal:
    pass


@pydantic_type(model=ExclusionOut, all_fields=True)
class Exclusion:
    pass


@pydantic_type(model=BuildImpactOut, all_fields=True)
class BuildImpact:
    pass


@pydantic_type(model=ImpactOut)
class OptoutImpact:
    id: strawberry.auto
    status: strawberry.auto
    activated_version: strawberry.auto
    scope: JSON
    exceptions: JSON
    purposes: strawberry.auto
    files_covered: strawberry.auto
    builds: strawberry.auto


@pydantic_type(model=AuthorIdentityOut, all_fields=True)
class AuthorIdentity:
    pass


@pydantic_type(model=AuthorViewOut, all_fields=True)
class AuthorView:
    pass


def _author(
    session: Session, public_id: str | None, token: str | None, operator: str | None
) -> AuthorViewOut:
    if public_id is not None:
        return impact.author_view(
            session, optouts_service.authorize(session, public_id, token, operator)
        )
    found = authors.by_token(session, token) if token else None
    if found is None:
        raise NotFound("no opt-out request for this token")
    return impact.author_view(session, found)


def _withdrawals(
    session: Session, dataset_id: int, number: int, since: int, after: str | None, first: int
) -> tuple[WithdrawalsOut, str]:
    build, _ = service.finished_build(session, str(dataset_id), number)
    out = withdrawals.listing(session, build, since, after, first)
    return out, withdrawals.cursor_kind(build, since)


def _exclusion(session: Session, dataset_id: int, number: int, swhid: str) -> ExclusionOut:
    build, _ = service.finished_build(session, str(dataset_id), number)
    _, sha1_git = membership.content_key(swhid, None, None)
    return exclusion.prove(session, build, sha1_git)


def _impact(session: Session, public_id: str, token: str | None, operator: str | None) -> ImpactOut:
    found = optouts_service.authorize(session, public_id, token, operator)
    return impact.impact(session, found)


@pydantic_type(model=BuildOut)
class DatasetBuild:
    dataset_id: strawberry.auto
    number: strawberry.auto
    revision: strawberry.auto
    state: strawberry.auto
    job_id: strawberry.auto
    cutoff: strawberry.auto
    purpose: strawberry.auto
    files: strawberry.auto
    fingerprints: strawberry.auto
    funnel: JSON
    versions: JSON
    optout_registry_version: strawberry.auto
    optout_exclusion: strawberry.auto
    stats: JSON
    error: strawberry.auto
    created_at: strawberry.auto
    started_at: strawberry.auto
    finished_at: strawberry.auto

    @strawberry.field(
        description="Files of this build that opt-outs in force since it was built now "
        "cover (drop them before training again), after registry version `since`: "
        "SWHIDs only, never who asked."
    )
    async def withdrawals(
        self,
        info: strawberry.Info[Context, None],
        since: int = 0,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Withdrawal]:
        check_first(first)
        if not 0 <= since <= INT8_MAX:
            raise Problem(f"`since` must be a registry version (0 or more), got {since}")
        out, kind = await info.context.db(
            _withdrawals, self.dataset_id, self.number, since, after, first
        )
        edges = [
            Edge(cursor=withdrawals.item_cursor(kind, item), node=to_gql(Withdrawal, item))
            for item in out.items
        ]
        return Connection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=out.next_cursor is not None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    @strawberry.field(
        description="Was this file left out of the build by an opt-out? With the proof "
        "either way in the excluded set (root: `optoutExclusion.root`)."
    )
    async def exclusion(self, info: strawberry.Info[Context, None], swhid: str) -> Exclusion:
        out = await info.context.db(_exclusion, self.dataset_id, self.number, swhid)
        return to_gql(Exclusion, out)


@strawberry.type
class DatasetQuery:
    @strawberry.field(description="Dataset definitions, oldest first.")
    async def datasets(
        self, info: strawberry.Info[Context, None], first: int = 50, after: str | None = None
    ) -> Connection[Dataset]:
        check_first(first)
        rows = await info.context.db(
            repository.list_datasets, after_id=decode_id_cursor("datasets", after), limit=first + 1
        )
        outs = [await info.context.db(service.dataset_out, r) for r in rows[:first]]
        by_id = {o.id: o for o in outs}
        return connection(
            rows,
            first,
            lambda r: to_gql(Dataset, by_id[r.id]),
            lambda r: encode_cursor("datasets", [r.id]),
            counter=lambda: info.context.db(count_rows, repository.datasets_query()),
        )

    @strawberry.field(description="A dataset by id or name.")
    async def dataset(self, info: strawberry.Info[Context, None], ref: str) -> Dataset:
        row = await info.context.db(service.resolve, ref)
        return to_gql(Dataset, await info.context.db(service.dataset_out, row))

    @strawberry.field(description="A dataset's builds, by number.")
    async def dataset_builds(
        self,
        info: strawberry.Info[Context, None],
        ref: str,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[DatasetBuild]:
        check_first(first)
        dataset = await info.context.db(service.resolve, ref)
        rows = await info.context.db(
            repository.list_builds,
            dataset.id,
            after_number=decode_id_cursor("builds", after),
            limit=first + 1,
        )
        outs = {}
        for row in rows[:first]:
            revision = await info.context.db(repository.revision_by_id, row.revision_id)
            assert revision is not None
            outs[row.number] = BuildOut.of(row, revision)
        return connection(
            rows,
            first,
            lambda r: to_gql(DatasetBuild, outs[r.number]),
            lambda r: encode_cursor("builds", [r.number]),
        )

    @strawberry.field(description="One build: state, funnel, fingerprints, versions.")
    async def dataset_build(
        self, info: strawberry.Info[Context, None], ref: str, number: int
    ) -> DatasetBuild:
        build, revision = await info.context.db(service.get_build, ref, number)
        return to_gql(DatasetBuild, BuildOut.of(build, revision))

    @strawberry.field(description="A build's frozen rows, in leaf (SWHID) order.")
    async def dataset_manifest(
        self,
        info: strawberry.Info[Context, None],
        ref: str,
        number: int,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[ManifestRow]:
        check_first(first)
        build, _ = await info.context.db(service.finished_build, ref, number)
        kind = f"manifest:{build.id}"
        rows = await info.context.db(
            repository.manifest_rows,
            build.id,
            after_leaf=decode_id_cursor(kind, after),
            limit=first + 1,
        )
        return connection(
            rows,
            first,
            lambda r: to_gql(ManifestRow, ManifestRowOut.of(r)),
            lambda r: encode_cursor(kind, [r.leaf_index]),
        )

    @strawberry.field(description="Is a file in a build? With its RFC 9162 proof.")
    async def dataset_membership(
        self,
        info: strawberry.Info[Context, None],
        ref: str,
        number: int,
        swhid: str | None = None,
        sha1: str | None = None,
        sha256: str | None = None,
    ) -> Membership:
        build, _ = await info.context.db(service.finished_build, ref, number)
        algo, digest = membership.content_key(swhid, sha1, sha256)
        out = await info.context.db(membership.prove_hash, build, algo, digest)
        return to_gql(Membership, out)

    @strawberry.field(
        description="An opt-out's impact: what its scope covers, the builds that included "
        "that code and what was withdrawn from them. For its requester (`token`, the "
        "`cco_...` issued with the request) and operators (an admin API key); anyone "
        "else gets the not-found error of an id that does not exist."
    )
    async def optout_impact(
        self, info: strawberry.Info[Context, None], id: str, token: str | None = None
    ) -> OptoutImpact:
        operator = None if token else operator_of(info.context.caller)
        out = await check_token(
            info.context.request,
            get_settings(),
            token,
            lambda: info.context.db(_impact, id, token, operator),
        )
        return to_gql(OptoutImpact, out)

    @strawberry.field(
        description="An author's view across every request verified as the identity a "
        "request proved (a forge account, an e-mail address): each scope, the builds that "
        "included that code before the opt-out, what was withdrawn. With `token` alone: "
        "the token's request; with `id`: that request, for its token or an operator."
    )
    async def optout_author(
        self,
        info: strawberry.Info[Context, None],
        token: str | None = None,
        id: str | None = None,
    ) -> AuthorView:
        operator = None if token else operator_of(info.context.caller)
        out = await check_token(
            info.context.request,
            get_settings(),
            token,
            lambda: info.context.db(_author, id, token, operator),
        )
        return to_gql(AuthorView, out)
