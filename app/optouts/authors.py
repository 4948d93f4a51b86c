"""Who a requester is beyond one request: the identity their verified requests proved,
every request verified as that same identity, and the key the request limiter counts
them under.

A token (``cco_...``) lets its holder see one request. What ties requests together is
the identity a request *proved* when it took effect:

* an SSH signature, checked against the keys a forge lists for an account, proves
  that account: ``account:<forge>:<stable id>`` (the forge's id, never the login,
  which can change hands);
* a proof file in an organisation's ``.github`` repository (an account scope) proves
  that organisation's account, the same way;
* an e-mail round trip proves the address: ``email:<keyed hash>`` (the address itself
  is never stored);
* a proof file in an origin proves control of one repository, not who someone is,
  and an operator's decision or a signal proves nothing about the requester: those
  requests prove no identity (their impact is still seen per request), even when
  an operator approves an SSH or e-mail request whose proof never came.

Only requests that took effect count (activated once: active, or withdrawn since): a
pending request names an identity, it has not proven it. The key strings stay inside
the service (the author's view shows the account's forge and login, or "an e-mail
address").
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm import Session

from app.models import OptoutEvent, OptoutIdentity, OptoutRequest
from app.optouts import identity
from app.optouts.registry import EventKind


def verified_identities(session: Session, request: OptoutRequest) -> list[str]:
    """The identities ``request`` proved (sorted; empty when it proved none).

    What activated it decides: only its own proof (a ``verified`` event: the signature
    checked, the code confirmed, the proof file found). An operator may approve a
    pending SSH or e-mail request that was never signed or confirmed; that approval
    takes effect but proves nothing about who filed it, so it must not open the
    named account's or address's other requests to the filer."""
    if request.activated_version is None:
        return []
    activated_by = session.scalar(
        select(OptoutEvent.kind).where(OptoutEvent.seq == request.activated_version)
    )
    if activated_by != EventKind.VERIFIED:
        return []
    by_account = request.method == "ssh-signature" or (
        request.method == "proof-file" and request.scope_kind == "account"
    )
    if by_account and request.forge and request.account_id:
        return [f"account:{request.forge}:{request.account_id}"]
    if request.method == "email":
        hashes = session.scalars(
            select(OptoutIdentity.email_hash).where(OptoutIdentity.request_id == request.id)
        ).all()
        return sorted(f"email:{bytes(h).hex()}" for h in hashes)
    return []


def describe(identity_key: str, requests: Iterable[OptoutRequest]) -> dict[str, str]:
    """What the author's view shows of an identity: the account as the forge names it,
    or only that it is an e-mail address (its owner knows which)."""
    kind, _, rest = identity_key.partition(":")
    if kind == "account":
        forge, _, account_id = rest.partition(":")
        login = next(
            (r.account_login for r in requests if r.account_id == account_id and r.forge == forge),
            None,
        )
        return {"kind": "account", "forge": forge, "account_id": account_id, "login": login or ""}
    return {"kind": "email", "address": "the e-mail address you confirmed"}


def requests_verified_as(session: Session, identities: Iterable[str]) -> list[OptoutRequest]:
    """Every request that proved one of ``identities``, oldest first."""
    wanted = set(identities)
    accounts = [
        tuple(k.split(":", 2)[1:]) for k in wanted if k.startswith("account:") and k.count(":") >= 2
    ]
    hashes = [bytes.fromhex(k.removeprefix("email:")) for k in wanted if k.startswith("email:")]
    clauses = []
    if accounts:
        clauses.append(tuple_(OptoutRequest.forge, OptoutRequest.account_id).in_(accounts))
    if hashes:
        clauses.append(
            OptoutRequest.id.in_(
                select(OptoutIdentity.request_id).where(OptoutIdentity.email_hash.in_(hashes))
            )
        )
    if not clauses:
        return []
    candidates = session.scalars(
        select(OptoutRequest)
        .where(OptoutRequest.activated_version.is_not(None), or_(*clauses))
        .order_by(OptoutRequest.id)
    ).all()
    # The rule of what a request proves lives in one place: verified_identities.
    return [r for r in candidates if wanted & set(verified_identities(session, r))]


def by_token(session: Session, token: str) -> OptoutRequest | None:
    return session.scalars(
        select(OptoutRequest).where(OptoutRequest.token_hash == identity.token_hash(token))
    ).first()


def requester_key(session: Session, token: str, *, filing: bool = False) -> str | None:
    """Whom a request limiter counts a requester token under: the identity its request
    proved (so all of one author's tokens share one budget), else that request. None
    (count the address) for a token no request holds (inventing tokens must not buy
    fresh budgets), and when ``filing`` a new request with the token of one that proved
    nothing: every filing returns a new token, so counting those apart would let each
    request file the next ones on a fresh budget."""
    request = by_token(session, token)
    if request is None:
        return None
    proved = verified_identities(session, request)
    if proved:
        return proved[0]
    return None if filing else f"request:{request.public_id}"
