"""REST: ``/v1/optouts``. Thin: each handler calls ``app.optouts.service``.

Who sees what: a request and the identity behind it are seen only by the holder of
the token issued when it was filed (``Authorization: Bearer cco_...``) and by the
operators; anyone else gets a 404, as if it did not exist. The public sees the
vocabulary, the aggregate statistics and the hash chain without its details.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.keys.auth import caller_of
from app.kit.api import SettingsDep, UoW, api_key_of, problems
from app.kit.params import RegistryVersion
from app.kit.ratelimit import client_address
from app.models import OptoutRequest
from app.optouts import authors, purposes, registry, resolution, service
from app.optouts.auth import Operator, credentials
from app.optouts.schemas import (
    ChainEntryOut,
    ChainReportOut,
    CodeIn,
    CreatedOut,
    DecisionIn,
    EventOut,
    ExplanationOut,
    JobStartedOut,
    OperatorOptoutIn,
    OptoutIn,
    OptoutOut,
    PurposeNodeOut,
    PurposesOut,
    ReasonIn,
    RegistryOut,
    ResolutionOut,
    SignatureIn,
)
from app.optouts.tokenguard import (
    TOKEN_CHECK_RESPONSES,
    TokenChecked,
    TooManyRequests,
    optouts_limiter,
)

router = APIRouter(prefix="/v1/optouts", tags=["optouts"])
PRIVATE = "private, no-store"


def requester_of(request: Request, behind_proxy: bool, filing: bool) -> str:
    """Who the opt-out limiter counts a request under: the requester, when they present
    who they are, else their address. A requester token (``cco_...``) counts as the
    identity its request proved, or (acting on that request) as the request itself
    (:func:`authors.requester_key`); an API key as its key; anything unknown (a made-up
    token or key) as the address, so that inventing credentials buys no fresh budget."""
    presented = api_key_of(request)
    if presented and presented.startswith("cco_"):
        factory: sessionmaker[Session] = request.app.state.sessionmaker
        with factory() as session:
            key = authors.requester_key(session, presented, filing=filing)
        if key is not None:
            return key
    elif presented:
        principal = caller_of(request, presented)
        if principal is not None:
            return f"key:{principal.key_id if principal.key_id is not None else principal.name}"
    return "ip:" + client_address(request.scope, trusted_proxy=behind_proxy)


def _limiter(filing: bool) -> Callable[..., Awaitable[None]]:
    async def limit_requesters(request: Request, settings: SettingsDep) -> None:
        """A flood of requests from one requester is refused (Redis sliding window,
        counted per requester: :func:`requester_of`; fails open like the API's own
        limiter when Redis is unreachable)."""
        limiter = optouts_limiter(request, settings)
        if limiter is None:
            return
        who = await run_in_threadpool(requester_of, request, settings.behind_proxy, filing)
        decision = await limiter.hit("requester", who, settings.optouts_requests_per_minute)
        if decision is not None and not decision.allowed:
            raise TooManyRequests(
                f"more than {decision.limit} opt-out requests per minute from this "
                f"requester; retry in {decision.retry_after} s",
                retry_after=decision.retry_after,
            )

    return limit_requesters


# Filing a request, and acting on one (one budget: a requester's calls count together).
RateLimited = Annotated[None, Depends(_limiter(filing=True))]
RateLimitedOnRequest = Annotated[None, Depends(_limiter(filing=False))]


def optout_out(session: Session, req: OptoutRequest) -> OptoutOut:
    return OptoutOut(
        id=req.public_id,
        status=req.status,
        status_reason=req.status_reason,
        method=req.method,
        scope=service.scope_view(session, req),
        purposes=list(req.rules),
        exceptions=service.exceptions_view(session, req),
        evidence=dict(req.evidence or {}),
        activated_version=req.activated_version,
        withdrawn_version=req.withdrawn_version,
        created_at=req.created_at,
        updated_at=req.updated_at,
        events=[
            EventOut(
                seq=e.seq,
                at=e.at,
                kind=e.kind,
                actor=e.actor,
                reason=e.reason,
                payload=dict(e.payload),
                hash=bytes(e.hash).hex(),
            )
            for e in service.events_of(session, req)
        ],
    )


def _parent(use: purposes.Use) -> str | None:
    parent = purposes.PARENT[use]
    return parent.value if parent is not None else None


@router.get("/purposes", response_model=PurposesOut)
def get_purposes() -> PurposesOut:
    """The purpose vocabulary and its mapping to aipref, Content Signals and TDMRep."""
    return PurposesOut(
        vocabulary_version=purposes.VOCABULARY_VERSION,
        aipref_revision=purposes.AIPREF_REVISION,
        uses=[
            PurposeNodeOut(
                id=u.value,
                parent=_parent(u),
                description=purposes.DESCRIPTIONS[u],
            )
            for u in purposes.Use
        ],
        modifiers=[
            PurposeNodeOut(id=m.value, parent=None, description=purposes.DESCRIPTIONS[m])
            for m in purposes.Modifier
        ],
        mapping=purposes.mapping_table(),
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CreatedOut)
def create_optout(
    uow: UoW, settings: SettingsDep, body: OptoutIn, _limited: RateLimited, response: Response
) -> CreatedOut:
    """File an opt-out. It stays pending, seen only with the returned token, and never
    takes effect until its proof is checked."""
    created = service.create(uow, settings, body)
    response.headers["Cache-Control"] = PRIVATE
    assert created.token is not None
    return CreatedOut(
        id=created.request.public_id,
        token=created.token,
        status=created.request.status,
        method=created.request.method,
        instructions=created.instructions,
        job_id=created.job_id,
    )


@router.get("/registry", response_model=RegistryOut)
def get_registry(uow: UoW) -> RegistryOut:
    """Public aggregates: the registry version, its chain head, counts."""
    return RegistryOut(**registry.statistics(uow.session))


@router.get("/registry/chain", response_model=list[ChainEntryOut])
def get_chain(
    uow: UoW,
    after: Annotated[RegistryVersion, Query()] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ChainEntryOut]:
    """The hash chain without its details: check it with hashlib alone."""
    return [
        ChainEntryOut(**e) for e in registry.public_chain(uow.session, after=after, limit=limit)
    ]


@router.get("/registry/verify", response_model=ChainReportOut, responses=problems(401))
def verify_registry(uow: UoW, _operator: Operator) -> ChainReportOut:
    """Recompute every hash and digest (operators: the digests need the details)."""
    report = registry.verify_chain(uow.session)
    return ChainReportOut(
        ok=report.ok,
        version=report.version,
        head=report.head,
        checked=report.checked,
        problems=report.problems,
    )


@router.get("/resolution", response_model=ResolutionOut, responses=problems(401))
def get_resolution(
    uow: UoW,
    _operator: Operator,
    purpose: Annotated[str, Query(max_length=200)],
    version: Annotated[RegistryVersion | None, Query()] = None,
) -> ResolutionOut:
    """What a build for ``purpose`` at ``version`` would exclude, opt-out by opt-out."""
    session = uow.session
    at = registry.current_version(session) if version is None else version
    try:
        explanations = resolution.explain(session, purpose, at)
        query = resolution.exclusion_query(session, purpose, at)
    except purposes.InvalidPurpose as exc:
        raise service.OptoutRefused(f"purpose: {exc}") from exc
    excluded = len(resolution.excluded_ids(session, query))
    return ResolutionOut(
        purpose=query.purpose,
        version=at,
        excluded=excluded,
        explanations=[ExplanationOut(**e.__dict__) for e in explanations],
    )


@router.post(
    "/operator",
    status_code=status.HTTP_201_CREATED,
    response_model=OptoutOut,
    responses=problems(401),
)
def create_by_operator(
    uow: UoW, settings: SettingsDep, operator: Operator, body: OperatorOptoutIn
) -> OptoutOut:
    """An operator's decision (legal requests): in force at once, recorded with its reason."""
    created = service.create_by_operator(
        uow, settings, operator, body.scope, body.purposes, body.exceptions, body.reason
    )
    return optout_out(uow.session, created.request)


@router.get(
    "/{public_id}",
    response_model=OptoutOut,
    responses={**problems(401, 404), **TOKEN_CHECK_RESPONSES},
)
def get_optout(
    uow: UoW,
    _guard: TokenChecked,
    settings: SettingsDep,
    request: Request,
    public_id: str,
    response: Response,
) -> OptoutOut:
    token, operator = credentials(request)
    found = service.authorize(uow.session, public_id, token, operator)
    response.headers["Cache-Control"] = PRIVATE
    return optout_out(uow.session, found)


@router.post(
    "/{public_id}/signature",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobStartedOut,
    responses=problems(401),
)
def post_signature(
    uow: UoW,
    settings: SettingsDep,
    request: Request,
    public_id: str,
    body: SignatureIn,
    _limited: RateLimitedOnRequest,
) -> JobStartedOut:
    """Submit the SSH signature of the request's statement; a worker checks it against
    the keys the forge lists for the account. Limited per requester like filing: each
    check queues a job that asks the forge."""
    token, _ = credentials(request)
    found, job = service.submit_signature(uow, public_id, token, body.signature)
    return JobStartedOut(id=found.public_id, status=found.status, job_id=job.id)


@router.post(
    "/{public_id}/proof-file/check",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobStartedOut,
    responses=problems(401),
)
def check_proof_file(
    uow: UoW,
    settings: SettingsDep,
    request: Request,
    public_id: str,
    _limited: RateLimitedOnRequest,
) -> JobStartedOut:
    """Scan the origin now and look for the proof file (a scan does it anyway).
    Limited per requester like filing: each check queues a scan (a clone)."""
    token, _ = credentials(request)
    found, job = service.request_proof_check(uow, public_id, token)
    return JobStartedOut(id=found.public_id, status=found.status, job_id=job.id)


@router.post("/{public_id}/email/confirm", response_model=OptoutOut, responses=problems(401))
def confirm_email(
    uow: UoW,
    settings: SettingsDep,
    request: Request,
    public_id: str,
    body: CodeIn,
    _limited: RateLimitedOnRequest,
    response: Response,
) -> OptoutOut:
    token, _ = credentials(request)
    found = service.confirm_email(uow, public_id, token, body.code)
    response.headers["Cache-Control"] = PRIVATE
    return optout_out(uow.session, found)


@router.post("/{public_id}/withdraw", response_model=OptoutOut, responses=problems(401))
def withdraw(
    uow: UoW,
    settings: SettingsDep,
    request: Request,
    public_id: str,
    response: Response,
    body: ReasonIn | None = None,
) -> OptoutOut:
    """Opt back in: recorded as an event at a new registry version, never a deletion."""
    token, operator = credentials(request)
    found = service.withdraw(uow, public_id, token, operator, body.reason if body else None)
    response.headers["Cache-Control"] = PRIVATE
    return optout_out(uow.session, found)


@router.post("/{public_id}/decision", response_model=OptoutOut, responses=problems(401))
def decide(uow: UoW, operator: Operator, public_id: str, body: DecisionIn) -> OptoutOut:
    """An operator approves or refuses a pending request, with the reason."""
    found = service.decide(uow, public_id, operator, body.decision == "approve", body.reason)
    return optout_out(uow.session, found)
