"""An author's view of one opt-out: what its scope covers, which builds included that
code before the opt-out took effect, and what was withdrawn from them; and the same
across every request verified as one identity (:func:`author_view`).

Served at ``GET /v1/optouts/{id}/impact`` to the requester (their request's token)
and to operators, like the request itself (404 for anyone else): it names the scope
and ties it to builds, which is exactly what must not be public. It lives with the
datasets because it reads builds, which the registry below them never does.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.datasets.schemas import AuthorIdentityOut, AuthorViewOut, BuildImpactOut, ImpactOut
from app.kit.problems import Conflict
from app.kit.swhid import ObjectType, format_swhid
from app.models import (
    Content,
    Dataset,
    DatasetBuild,
    DatasetRevision,
    DatasetWithdrawal,
    OptoutRequest,
)
from app.optouts import authors, resolution
from app.optouts import service as optouts_service
from app.optouts.purposes import covers
from app.optouts.resolution import statement_of

TABLE = "optout_impact"
MAX_SWHIDS = 100


def impact(session: Session, request: OptoutRequest) -> ImpactOut:
    covered = resolution.materialize_requests(session, [request.id], table=TABLE)
    counts = session.execute(
        text(
            f"SELECT m.build_id, count(*) FROM dataset_manifest m JOIN {TABLE} x "
            "ON x.content_id = m.content_id GROUP BY m.build_id ORDER BY m.build_id"
        )
    ).all()
    statement = statement_of(request.rules)
    builds = []
    for build_id, included in counts:
        build = session.get(DatasetBuild, build_id)
        assert build is not None
        revision = session.get(DatasetRevision, build.revision_id)
        dataset = session.get(Dataset, build.dataset_id)
        assert revision is not None
        assert dataset is not None
        withdrawn_q = (
            select(DatasetWithdrawal.sha1_git)
            .join(Content, Content.sha1_git == DatasetWithdrawal.sha1_git)
            .where(
                DatasetWithdrawal.build_id == build.id,
                Content.id.in_(text(f"SELECT content_id FROM {TABLE}")),
            )
        )
        withdrawn = int(
            session.scalar(select(func.count()).select_from(withdrawn_q.subquery())) or 0
        )
        shas = session.scalars(withdrawn_q.order_by(DatasetWithdrawal.sha1_git).limit(MAX_SWHIDS))
        before = request.activated_version is None or (
            (build.optout_registry_version or 0) < request.activated_version
        )
        builds.append(
            BuildImpactOut(
                dataset=dataset.name,
                dataset_id=dataset.id,
                build=build.number,
                purpose=revision.purpose,
                purpose_covered=covers(statement, revision.purpose),
                build_registry_version=build.optout_registry_version,
                built_before_optout=before,
                files_included=int(included),
                files_withdrawn=withdrawn,
                withdrawn=[format_swhid(ObjectType.CONTENT, bytes(s)) for s in shas],
            )
        )
    return ImpactOut(
        id=request.public_id,
        status=request.status,
        activated_version=request.activated_version,
        scope=optouts_service.scope_view(session, request),
        exceptions=optouts_service.exceptions_view(session, request),
        purposes=list(request.rules),
        files_covered=covered,
        builds=builds,
    )


def author_view(session: Session, request: OptoutRequest) -> AuthorViewOut:
    """The view of the identity ``request`` proved, across every request verified as
    it (:mod:`app.optouts.authors`): an author with several opt-outs (an account, a
    repository, their commits' address) sees them together. A request that proved no
    identity (pending, a proof file in one repository, an operator's decision) has
    only its own impact: a 409 says so."""
    identities = authors.verified_identities(session, request)
    if not identities:
        raise Conflict(
            f"the request {request.public_id} proved no identity (it is {request.status}, "
            f"proven by {request.method}): see /v1/optouts/{request.public_id}/impact"
        )
    requests = authors.requests_verified_as(session, identities)
    views = [impact(session, r) for r in requests]
    covered = resolution.materialize_requests(session, [r.id for r in requests], table=TABLE)
    return AuthorViewOut(
        identities=[AuthorIdentityOut(**authors.describe(k, requests)) for k in identities],
        files_covered=covered,
        requests=views,
    )
