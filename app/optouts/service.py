"""The opt-out registry's logic, shared by REST, GraphQL, the CLI and the tasks.

A request is filed with a scope, the uses it reserves and a verification method; it
stays ``pending`` (visible to its author only, never applied) until its proof is
checked, then becomes ``active`` at the registry version of the event that verified
it. A withdrawal (opting back in) makes it ``withdrawn`` at a later version; nothing
is ever deleted. Which methods can prove which scope:

===================  ==========================================================
scope                methods
===================  ==========================================================
account (a user)     ssh-signature (a key the forge lists for that account)
account (an org)     proof-file in the organisation's ``.github`` repository
origin, path         proof-file in that origin; ssh-signature of its owner (a user)
content              as origin, for an origin you control that contains the file
author (e-mail)      email (a code sent to the address)
author (account)     ssh-signature of that account
any                  an operator's decision with a reason (legal requests)
===================  ==========================================================

Anything else is refused at once with the reason, and nothing is stored.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.forges.urls import canonical_repository_url
from app.jobs import kinds
from app.jobs import repository as job_repository
from app.jobs import service as job_service
from app.kit.db import UnitOfWork
from app.kit.db import current as current_uow
from app.kit.problems import PROBLEM_TYPES, Conflict, NotFound, Problem
from app.kit.swhid import InvalidSWHID, ObjectType, format_swhid, parse_swhid
from app.models import (
    Content,
    Forge,
    Job,
    OptoutEmailOutbox,
    OptoutEvent,
    OptoutException,
    OptoutIdentity,
    OptoutRequest,
    Origin,
    OriginAlias,
    Owner,
    PathOccurrence,
)
from app.optouts import identity, prooffile, registry
from app.optouts.purposes import InvalidPurpose, Rule, Statement
from app.optouts.registry import EventKind
from app.optouts.schemas import ExceptionIn, OptoutIn, ScopeIn
from app.optouts.scopes import InvalidPattern, glob_to_regex
from app.optouts.sshsig import NAMESPACE, check_armor

SSH_FORGES = ("github.com", "gitlab.com")

PROBLEM_TYPES.setdefault(
    "optout-refused",
    (
        "Opt-out refused",
        "The scope cannot be proven with the chosen method, or is not one the registry "
        "can apply; the detail says why. Nothing was stored.",
    ),
)
PROBLEM_TYPES.setdefault(
    "invalid-proof",
    ("Invalid proof", "A signature or code is malformed or wrong; nothing changed."),
)


class OptoutRefused(Problem):
    status = 422
    slug = "optout-refused"


class InvalidProof(Problem):
    status = 422
    slug = "invalid-proof"


@dataclass
class Resolved:
    """A scope checked against what the archive knows, as request columns."""

    kind: str
    forge: str | None = None
    account_id: str | None = None
    account_login: str | None = None
    account_type: str | None = None
    origin: Origin | None = None
    path_pattern: str | None = None
    path_regex: str | None = None
    content_sha1_git: bytes | None = None
    email: str | None = None
    methods: tuple[str, ...] = ()
    why_not: dict[str, str] = field(default_factory=dict)


@dataclass
class Created:
    request: OptoutRequest
    token: str | None
    instructions: dict[str, Any]
    job_id: int | None = None


# --- scopes ------------------------------------------------------------------------


def find_origin(session: Session, url: str) -> Origin | None:
    candidates = {url.strip()}
    canonical = canonical_repository_url(url.strip())
    if canonical:
        candidates.add(canonical)
    found = session.scalars(select(Origin).where(Origin.url.in_(candidates))).first()
    if found is not None:
        return found
    return session.scalars(
        select(Origin)
        .join(OriginAlias, OriginAlias.origin_id == Origin.id)
        .where(OriginAlias.url.in_(candidates))
    ).first()


def find_account(session: Session, forge: str, login: str) -> Owner | None:
    return (
        session.scalars(
            select(Owner)
            .join(Forge, Forge.id == Owner.forge_id)
            .where(Forge.name == forge.strip().lower(), Owner.login == login.strip().lower())
        ).first()
        or session.scalars(
            select(Owner)
            .join(Forge, Forge.id == Owner.forge_id)
            .where(Forge.name == forge.strip().lower(), Owner.login == login.strip())
        ).first()
    )


def _owner_of(session: Session, origin: Origin) -> Owner | None:
    return session.get(Owner, origin.owner_id) if origin.owner_id else None


def _forge_name(session: Session, forge_id: int | None) -> str | None:
    forge = session.get(Forge, forge_id) if forge_id else None
    return forge.name if forge else None


def _owner_ssh(session: Session, resolved: Resolved, owner: Owner | None) -> None:
    """Let the origin's owner prove by signature when the forge lists user keys."""
    if owner is None:
        resolved.why_not["ssh-signature"] = "the origin's owner account is not known"
        return
    forge = _forge_name(session, owner.forge_id)
    if forge not in SSH_FORGES or not owner.native_id:
        resolved.why_not["ssh-signature"] = (
            f"keys can only be checked for accounts with a known id on {', '.join(SSH_FORGES)}"
        )
        return
    if owner.kind is not None and owner.kind.value == "organization":
        resolved.why_not["ssh-signature"] = (
            "the origin belongs to an organisation, which has no keys: use a proof file"
        )
        return
    resolved.forge = forge
    resolved.account_id = owner.native_id
    resolved.account_login = owner.display_login or owner.login
    resolved.account_type = "user"
    resolved.methods += ("ssh-signature",)


def _origin_scope(session: Session, resolved: Resolved, url: str | None) -> Origin:
    if not url:
        raise OptoutRefused(f"a {resolved.kind} scope needs origin_url")
    origin = find_origin(session, url)
    if origin is None:
        raise OptoutRefused(
            f"the origin {url} is not in the archive yet; it must be fetched or scanned "
            "before it can be opted out"
        )
    resolved.origin = origin
    resolved.methods += ("proof-file",)
    _owner_ssh(session, resolved, _owner_of(session, origin))
    return origin


def _content_sha1(swhid: str | None) -> bytes:
    if not swhid:
        raise OptoutRefused("a content scope needs swhid")
    try:
        parsed = parse_swhid(swhid)
    except InvalidSWHID as exc:
        raise OptoutRefused(f"invalid SWHID: {exc}") from exc
    if parsed.object_type is not ObjectType.CONTENT:
        raise OptoutRefused("a content scope names a file: its SWHID starts with swh:1:cnt:")
    return parsed.object_id


def resolve_scope(session: Session, settings: Settings, scope: ScopeIn) -> Resolved:
    resolved = Resolved(kind=scope.kind)
    if scope.kind == "account":
        if not scope.forge or not scope.login:
            raise OptoutRefused("an account scope needs forge and login")
        owner = find_account(session, scope.forge, scope.login)
        if owner is None or not owner.native_id:
            raise OptoutRefused(
                f"the account {scope.login} on {scope.forge} is not known with its stable id; "
                "it must be fetched from the forge first"
            )
        resolved.forge = _forge_name(session, owner.forge_id)
        resolved.account_id = owner.native_id
        resolved.account_login = owner.display_login or owner.login
        if owner.kind is not None and owner.kind.value == "organization":
            resolved.account_type = "organization"
            profile = session.scalars(
                select(Origin).where(
                    Origin.owner_id == owner.id, Origin.full_name.ilike("%/.github")
                )
            ).first()
            if profile is None:
                resolved.why_not["proof-file"] = (
                    "an organisation proves its authority with a proof file in its .github "
                    "repository, which is not in the archive yet (membership is not enough)"
                )
            else:
                resolved.origin = profile
                resolved.methods = ("proof-file",)
            resolved.why_not["ssh-signature"] = "an organisation has no keys of its own"
        else:
            resolved.account_type = "user"
            if resolved.forge in SSH_FORGES:
                resolved.methods = ("ssh-signature",)
            else:
                resolved.why_not["ssh-signature"] = f"no key listing is known for {resolved.forge}"
    elif scope.kind in ("origin", "path"):
        _origin_scope(session, resolved, scope.origin_url)
        if scope.kind == "path":
            if not scope.pattern:
                raise OptoutRefused("a path scope needs pattern")
            try:
                resolved.path_regex = glob_to_regex(scope.pattern)
            except InvalidPattern as exc:
                raise OptoutRefused(str(exc)) from exc
            resolved.path_pattern = scope.pattern
    elif scope.kind == "content":
        sha1_git = _content_sha1(scope.swhid)
        origin = _origin_scope(session, resolved, scope.origin_url)
        occurs = session.scalar(
            select(
                exists()
                .where(PathOccurrence.origin_id == origin.id)
                .where(PathOccurrence.content_id == Content.id)
                .where(Content.sha1_git == sha1_git)
            )
        )
        if not occurs:
            raise OptoutRefused(
                "the file does not occur in that origin: a content opt-out is proven through "
                "an origin you control that contains it"
            )
        resolved.content_sha1_git = sha1_git
    elif scope.kind == "author":
        if scope.email:
            if scope.forge or scope.login:
                raise OptoutRefused("an author scope is an e-mail address or a forge account")
            try:
                resolved.email = identity.normalize_email(scope.email)
            except identity.InvalidEmail as exc:
                raise OptoutRefused(f"{exc}") from exc
            if settings.optouts_secret is None or not settings.smtp_host:
                resolved.why_not["email"] = "e-mail verification is not configured here"
            else:
                resolved.methods = ("email",)
        elif scope.forge and scope.login:
            owner = find_account(session, scope.forge, scope.login)
            if owner is None or not owner.native_id:
                raise OptoutRefused(
                    f"the account {scope.login} on {scope.forge} is not known with its stable id"
                )
            forge = _forge_name(session, owner.forge_id)
            if forge not in SSH_FORGES:
                raise OptoutRefused(f"commit addresses are not known for {forge}")
            if settings.optouts_secret is None:
                raise OptoutRefused("author opt-outs are not configured here (OPTOUTS_SECRET)")
            resolved.forge = forge
            resolved.account_id = owner.native_id
            resolved.account_login = owner.display_login or owner.login
            resolved.account_type = "user"
            resolved.methods = ("ssh-signature",)
        else:
            raise OptoutRefused("an author scope needs email, or forge and login")
    return resolved


def _exceptions(
    session: Session, resolved: Resolved, items: Sequence[ExceptionIn]
) -> list[OptoutException]:
    if items and resolved.kind == "content":
        raise OptoutRefused("a content scope is one file: it has no exceptions")
    out = []
    for index, item in enumerate(items):
        where = f"exceptions[{index}]"
        row = OptoutException()
        if item.swhid:
            if item.origin_url or item.pattern:
                raise OptoutRefused(f"{where}: a content exception names only swhid")
            row.content_sha1_git = _content_sha1(item.swhid)
        elif item.origin_url:
            origin = find_origin(session, item.origin_url)
            if origin is None:
                raise OptoutRefused(f"{where}: the origin {item.origin_url} is not in the archive")
            if resolved.origin is not None and resolved.kind in ("origin", "path"):
                if origin.id != resolved.origin.id:
                    raise OptoutRefused(f"{where}: not inside the scope's origin")
                if not item.pattern:
                    raise OptoutRefused(f"{where}: an exception inside one origin needs pattern")
            row.origin_id = origin.id
            if item.pattern:
                try:
                    row.path_regex = glob_to_regex(item.pattern)
                except InvalidPattern as exc:
                    raise OptoutRefused(f"{where}: {exc}") from exc
                row.path_pattern = item.pattern
        elif item.pattern and resolved.kind in ("origin", "path") and resolved.origin:
            row.origin_id = resolved.origin.id
            try:
                row.path_regex = glob_to_regex(item.pattern)
            except InvalidPattern as exc:
                raise OptoutRefused(f"{where}: {exc}") from exc
            row.path_pattern = item.pattern
        else:
            raise OptoutRefused(f"{where}: name an origin_url, a pattern or a swhid")
        out.append(row)
    return out


def parse_rules(purposes: Sequence[str]) -> list[str]:
    try:
        rules = [Rule.parse(p) for p in purposes]
    except InvalidPurpose as exc:
        raise OptoutRefused(f"purposes: {exc}") from exc
    statement = Statement(tuple(rules))
    if not any(not r.allow for r in statement.rules):
        raise OptoutRefused("purposes: an opt-out reserves at least one use")
    return [r.canonical() for r in statement.rules]


# --- views -------------------------------------------------------------------------


def scope_view(session: Session, request: OptoutRequest) -> dict[str, Any]:
    """The scope in words and ids, for the requester and operators (never public)."""
    view: dict[str, Any] = {"kind": request.scope_kind}
    origin = session.get(Origin, request.origin_id) if request.origin_id else None
    if request.scope_kind == "account":
        view.update(
            forge=request.forge,
            account_id=request.account_id,
            login=request.account_login,
            account_type=request.account_type,
        )
        if origin is not None:
            view["proof_origin"] = origin.url
    elif request.scope_kind in ("origin", "path"):
        view["origin_url"] = origin.url if origin else None
        if request.path_pattern:
            view["pattern"] = request.path_pattern
    elif request.scope_kind == "content":
        assert request.content_sha1_git is not None
        view["swhid"] = format_swhid(ObjectType.CONTENT, bytes(request.content_sha1_git))
        view["proof_origin"] = origin.url if origin else None
    elif request.scope_kind == "author":
        if request.account_id:
            view.update(forge=request.forge, account_id=request.account_id)
            view["login"] = request.account_login
        else:
            view["email"] = "(stored as a keyed hash)"
    return view


def exceptions_view(session: Session, request: OptoutRequest) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(OptoutException)
        .where(OptoutException.request_id == request.id)
        .order_by(OptoutException.id)
    ).all()
    out = []
    for row in rows:
        item: dict[str, Any] = {}
        if row.origin_id:
            origin = session.get(Origin, row.origin_id)
            item["origin_url"] = origin.url if origin else None
        if row.path_pattern:
            item["pattern"] = row.path_pattern
        if row.content_sha1_git:
            item["swhid"] = format_swhid(ObjectType.CONTENT, bytes(row.content_sha1_git))
        out.append(item)
    return out


def events_of(session: Session, request: OptoutRequest) -> list[OptoutEvent]:
    return list(
        session.scalars(
            select(OptoutEvent)
            .where(OptoutEvent.request_id == request.id)
            .order_by(OptoutEvent.seq)
        ).all()
    )


def statement_text(session: Session, request: OptoutRequest) -> str:
    """The exact bytes an SSH-signing requester signs (deterministic, stored fields)."""
    scope = scope_view(session, request)
    lines = [
        "CodeCommons opt-out request",
        f"request: {request.public_id}",
        f"signer: {request.forge} account {request.account_id} ({request.account_login})",
        "scope: " + ", ".join(f"{k}={v}" for k, v in sorted(scope.items())),
        "purposes: " + ", ".join(request.rules),
    ]
    for item in exceptions_view(session, request):
        lines.append("except: " + ", ".join(f"{k}={v}" for k, v in sorted(item.items())))
    return "\n".join(lines) + "\n"


def principal(request: OptoutRequest) -> str:
    return f"{request.account_id}@{request.forge}"


# --- access ------------------------------------------------------------------------


def get_request(session: Session, public_id: str, *, lock: bool = False) -> OptoutRequest:
    stmt = select(OptoutRequest).where(OptoutRequest.public_id == public_id)
    if lock:
        stmt = stmt.with_for_update()
    found = session.scalars(stmt).first()
    if found is None:
        raise NotFound(f"no opt-out request {public_id}")
    return found


def authorize(
    session: Session,
    public_id: str,
    token: str | None,
    operator: str | None,
    *,
    lock: bool = False,
) -> OptoutRequest:
    """The request, for its requester's token or an operator; 404 for anyone else, so
    that a stranger cannot even learn that the id exists."""
    request = session.scalars(
        select(OptoutRequest).where(OptoutRequest.public_id == public_id)
    ).first()
    allowed = operator is not None or (
        request is not None
        and request.token_hash is not None
        and token is not None
        and hmac.compare_digest(bytes(request.token_hash), identity.token_hash(token))
    )
    if request is None or not allowed:
        raise NotFound(f"no opt-out request {public_id} for this token")
    if lock:
        return get_request(session, public_id, lock=True)
    return request


# --- state changes -----------------------------------------------------------------


def activate(
    session: Session,
    request: OptoutRequest,
    *,
    kind: str,
    actor: str,
    reason: str | None = None,
    evidence: dict[str, Any] | None = None,
) -> OptoutEvent:
    if request.status != "pending":
        raise Conflict(f"the request is {request.status}, not pending")
    payload: dict[str, Any] = {"scope_kind": request.scope_kind, "method": request.method}
    if evidence:
        payload["evidence"] = evidence
    event = registry.append(
        session, kind=kind, actor=actor, request=request, reason=reason, payload=payload
    )
    request.status = "active"
    request.activated_version = event.seq
    request.status_reason = None
    request.evidence = {**(request.evidence or {}), **(evidence or {})}
    request.email_code_hash = None
    session.flush()
    queue_withdrawals(session, event.seq)
    return event


def queue_withdrawals(session: Session, version: int) -> None:
    """An opt-out took effect: queue the job that tells existing builds
    (``datasets.withdrawals``, run by the datasets feature above this one, which is
    why it is queued by kind and never imported). Sent once this transaction commits;
    a session without a unit of work gets the job row only, and the reaper sends it."""
    params: dict[str, object] = {"registry_version": version}
    uow = current_uow(session)
    if uow is not None:
        job_service.submit(uow, kinds.DATASETS_WITHDRAWALS, params)
    else:
        job_repository.create(session, kinds.DATASETS_WITHDRAWALS, params)


def refuse(
    session: Session, request: OptoutRequest, *, kind: str, actor: str, reason: str
) -> OptoutEvent:
    if request.status != "pending":
        raise Conflict(f"the request is {request.status}, not pending")
    event = registry.append(session, kind=kind, actor=actor, request=request, reason=reason)
    request.status = "refused"
    request.status_reason = reason
    session.flush()
    return event


def withdraw_request(
    session: Session, request: OptoutRequest, *, kind: str, actor: str, reason: str | None
) -> OptoutEvent:
    if request.status not in ("pending", "active"):
        raise Conflict(f"the request is already {request.status}")
    event = registry.append(session, kind=kind, actor=actor, request=request, reason=reason)
    if request.status == "active":
        request.withdrawn_version = event.seq
    request.status = "withdrawn"
    request.status_reason = reason
    session.flush()
    return event


def _submit(uow: UnitOfWork, public_id: str, step: str) -> Job:
    return job_service.submit(uow, kinds.OPTOUTS_VERIFY, {"request": public_id, "step": step})


def _new_request(
    session: Session,
    resolved: Resolved,
    rules: list[str],
    method: str,
    exceptions: list[OptoutException],
    token: str | None,
) -> OptoutRequest:
    request = OptoutRequest(
        public_id=identity.new_public_id(),
        token_hash=identity.token_hash(token) if token else None,
        scope_kind=resolved.kind,
        forge=resolved.forge,
        account_id=resolved.account_id,
        account_login=resolved.account_login,
        account_type=resolved.account_type,
        origin_id=resolved.origin.id if resolved.origin else None,
        path_pattern=resolved.path_pattern,
        path_regex=resolved.path_regex,
        content_sha1_git=resolved.content_sha1_git,
        rules=rules,
        method=method,
        status="pending",
        evidence={},
    )
    session.add(request)
    session.flush()
    for row in exceptions:
        row.request_id = request.id
        session.add(row)
    session.flush()
    return request


def _identities(
    session: Session, settings: Settings, request: OptoutRequest, resolved: Resolved
) -> None:
    if resolved.kind != "author":
        return
    assert settings.optouts_secret is not None
    secret = settings.optouts_secret.get_secret_value()
    if resolved.email:
        addresses = [resolved.email]
    else:
        assert resolved.forge is not None
        assert resolved.account_id is not None
        assert resolved.account_login is not None
        addresses = identity.forge_commit_addresses(
            resolved.forge, resolved.account_id, resolved.account_login
        )
    for hashed in {identity.email_hash(a, secret) for a in addresses}:
        session.add(OptoutIdentity(request_id=request.id, email_hash=hashed))
    session.flush()


def create(uow: UnitOfWork, settings: Settings, body: OptoutIn) -> Created:
    """File a request: checked, stored pending, with what the requester does next."""
    session = uow.session
    rules = parse_rules(body.purposes)
    resolved = resolve_scope(session, settings, body.scope)
    if body.method not in resolved.methods:
        reason = resolved.why_not.get(body.method) or (
            f"a {resolved.kind} scope cannot be proven by {body.method}"
        )
        possible = ", ".join(resolved.methods) or "only an operator's decision"
        raise OptoutRefused(f"{reason} (possible here: {possible})")
    exceptions = _exceptions(session, resolved, body.exceptions)
    token = identity.new_token("cco_")
    request = _new_request(session, resolved, rules, body.method, exceptions, token)
    _identities(session, settings, request, resolved)
    instructions: dict[str, Any] = {}
    job_id = None
    if body.method == "proof-file":
        request.proof_token = identity.new_proof_token()
        assert resolved.origin is not None
        instructions = {
            "path": prooffile.PROOF_PATH,
            "contents": prooffile.contents(request.proof_token),
            "origin_url": resolved.origin.url,
            "then": f"commit it to the default branch, then POST /v1/optouts/{request.public_id}"
            "/proof-file/check (or wait for the next scan)",
        }
    elif body.method == "ssh-signature":
        session.flush()
        instructions = {
            "statement": statement_text(session, request),
            "namespace": NAMESPACE,
            "sign_with": f"ssh-keygen -Y sign -f ~/.ssh/id_ed25519 -n {NAMESPACE} statement.txt",
            "then": f"POST /v1/optouts/{request.public_id}/signature with the statement.txt.sig",
        }
    elif body.method == "email":
        assert resolved.email is not None
        code = identity.new_email_code()
        request.email_code_hash = identity.token_hash(code)
        request.email_code_expires_at = datetime.now(UTC) + timedelta(
            hours=settings.optouts_email_code_hours
        )
        session.add(OptoutEmailOutbox(request_id=request.id, address=resolved.email, code=code))
        instructions = {
            "then": f"a code is on its way; POST it to /v1/optouts/{request.public_id}"
            "/email/confirm",
            "expires_at": request.email_code_expires_at.isoformat(),
        }
    registry.append(
        session,
        kind=EventKind.REQUESTED,
        actor="requester",
        request=request,
        payload={
            "scope": scope_view(session, request),
            "purposes": rules,
            "method": body.method,
            "exceptions": len(exceptions),
        },
    )
    if body.method == "email":
        job_id = _submit(uow, request.public_id, "email-send").id
    return Created(request, token, instructions, job_id)


def create_by_operator(
    uow: UnitOfWork,
    settings: Settings,
    operator: str,
    scope: ScopeIn,
    purposes: Sequence[str],
    exceptions_in: Sequence[ExceptionIn],
    reason: str,
) -> Created:
    """An operator's decision for a legal request: in force at once, with its reason."""
    session = uow.session
    rules = parse_rules(purposes)
    resolved = resolve_scope(session, settings, scope)
    if resolved.kind == "author" and resolved.email and settings.optouts_secret is None:
        raise OptoutRefused("author opt-outs are not configured here (OPTOUTS_SECRET)")
    exceptions = _exceptions(session, resolved, exceptions_in)
    request = _new_request(session, resolved, rules, "operator", exceptions, None)
    _identities(session, settings, request, resolved)
    registry.append(
        session,
        kind=EventKind.REQUESTED,
        actor=operator,
        request=request,
        reason=reason,
        payload={"scope": scope_view(session, request), "purposes": rules, "method": "operator"},
    )
    activate(session, request, kind=EventKind.OPERATOR_APPROVED, actor=operator, reason=reason)
    return Created(request, None, {})


def submit_signature(
    uow: UnitOfWork, public_id: str, token: str | None, signature: str
) -> tuple[OptoutRequest, Job]:
    session = uow.session
    request = authorize(session, public_id, token, None, lock=True)
    if request.method != "ssh-signature":
        raise Conflict("this request is not proven by an SSH signature")
    if request.status != "pending":
        raise Conflict(f"the request is {request.status}, not pending")
    try:
        request.signature = check_armor(signature)
    except ValueError as exc:
        raise InvalidProof(str(exc)) from exc
    request.status_reason = "signature received; checking it against the forge's keys"
    return request, _submit(uow, public_id, "ssh")


def request_proof_check(
    uow: UnitOfWork, public_id: str, token: str | None
) -> tuple[OptoutRequest, Job]:
    request = authorize(uow.session, public_id, token, None, lock=True)
    if request.method != "proof-file":
        raise Conflict("this request is not proven by a proof file")
    if request.status != "pending":
        raise Conflict(f"the request is {request.status}, not pending")
    origin = uow.session.get(Origin, request.origin_id) if request.origin_id else None
    if origin is None:
        raise Conflict("the request has no origin to scan")
    # A scan of the origin: every scan hands its root files to app.optouts.scanhook,
    # which activates the request or says on it why not.
    params: dict[str, object] = {"location": origin.url, "origin_url": origin.url}
    return request, job_service.submit(uow, kinds.SCAN, params)


def confirm_email(uow: UnitOfWork, public_id: str, token: str | None, code: str) -> OptoutRequest:
    session = uow.session
    request = authorize(session, public_id, token, None, lock=True)
    if request.method != "email":
        raise Conflict("this request is not proven by e-mail")
    if request.status != "pending":
        raise Conflict(f"the request is {request.status}, not pending")
    expires = request.email_code_expires_at
    if request.email_code_hash is None or expires is None or expires < datetime.now(UTC):
        raise InvalidProof("the code has expired; file the request again")
    presented = identity.token_hash(code.strip().upper())
    if not hmac.compare_digest(presented, bytes(request.email_code_hash)):
        raise InvalidProof("wrong code")
    activate(
        session,
        request,
        kind=EventKind.VERIFIED,
        actor="requester",
        reason="e-mail round trip",
        evidence={"email": "code confirmed"},
    )
    return request


def withdraw(
    uow: UnitOfWork, public_id: str, token: str | None, operator: str | None, reason: str | None
) -> OptoutRequest:
    session = uow.session
    request = authorize(session, public_id, token, operator, lock=True)
    if operator is not None:
        if not reason:
            raise OptoutRefused("an operator's withdrawal needs a reason")
        withdraw_request(
            session, request, kind=EventKind.OPERATOR_WITHDRAWN, actor=operator, reason=reason
        )
    else:
        withdraw_request(
            session, request, kind=EventKind.WITHDRAWN, actor="requester", reason=reason
        )
    return request


def decide(
    uow: UnitOfWork, public_id: str, operator: str, approve: bool, reason: str
) -> OptoutRequest:
    session = uow.session
    request = get_request(session, public_id, lock=True)
    if request.status != "pending":
        raise Conflict(f"the request is {request.status}; only pending requests are decided")
    if approve:
        activate(
            session,
            request,
            kind=EventKind.OPERATOR_APPROVED,
            actor=operator,
            reason=reason,
            evidence={"operator": operator},
        )
    else:
        refuse(session, request, kind=EventKind.OPERATOR_REFUSED, actor=operator, reason=reason)
    return request


def hash_of(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12]
