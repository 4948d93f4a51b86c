"""GraphQL fields of datasets: definitions, builds, manifests (Relay connections, paged
like REST and priced by the cost rules through ``first``), and membership."""

from __future__ import annotations

import strawberry
from strawberry.experimental.pydantic import type as pydantic_type
from strawberry.scalars import JSON

from app.datasets import membership, repository, service
from app.datasets.schemas import (
    BuildOut,
    DatasetOut,
    DatasetRevisionOut,
    FileLicenseOut,
    FingerprintsOut,
    LeafOut,
    ManifestRowOut,
    MembershipOut,
    OptoutExclusionOut,
    ProofOut,
)
from app.graphql.context import Context
from app.graphql.convert import to_gql
from app.graphql.relay import Connection, check_first, connection
from app.kit.pagination import count_rows, decode_id_cursor, encode_cursor


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
