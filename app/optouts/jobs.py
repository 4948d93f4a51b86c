"""Verification job bodies (run by ``app.optouts.tasks`` on a worker).

Job params hold only the request's opaque id and the step; the details a step needs
are read from the request row (and, for the e-mail, from the outbox row it deletes).
Job errors say what failed in general terms; the precise reason goes on the request,
which only its author and the operators see.
"""

from __future__ import annotations

import logging

import httpx

from app.config import get_settings
from app.jobs.service import JobContext, PermanentJobError
from app.kit.db import unit_of_work
from app.models import OptoutEmailOutbox
from app.optouts import mail, service, sshsig
from app.optouts.registry import EventKind

log = logging.getLogger(__name__)


def verify_body(context: JobContext) -> dict[str, object]:
    public_id = context.params.get("request")
    step = context.params.get("step")
    if not isinstance(public_id, str) or step not in ("ssh", "email-send"):
        raise PermanentJobError("params need request and step (ssh, email-send)")
    if step == "email-send":
        return _send_email(context, public_id)
    return _check_signature(context, public_id)


def _send_email(context: JobContext, public_id: str) -> dict[str, object]:
    settings = get_settings()
    with unit_of_work(context.factory) as uow:
        request = service.get_request(uow.session, public_id)
        outbox = uow.session.get(OptoutEmailOutbox, request.id, with_for_update=True)
        if outbox is None:
            return {"sent": False, "why": "already sent"}
        message = mail.verification_message(settings, outbox.address, public_id, outbox.code)
        try:
            mail.send(settings, message)
        except mail.MailNotConfigured as exc:
            raise PermanentJobError("e-mail is not configured on this worker") from exc
        # Deleted in the transaction that sent it: a failed send keeps it for the retry.
        uow.session.delete(outbox)
    return {"sent": True}


def _check_signature(context: JobContext, public_id: str) -> dict[str, object]:
    settings = get_settings()
    with unit_of_work(context.factory) as uow:
        request = service.get_request(uow.session, public_id)
        if request.status != "pending" or not request.signature:
            return {"status": request.status}
        statement = service.statement_text(uow.session, request).encode()
        forge, account, login = request.forge, request.account_id, request.account_login
        principal, signature = service.principal(request), request.signature
    assert forge is not None
    assert account is not None
    assert login is not None
    try:
        with httpx.Client(timeout=settings.forge_timeout_seconds) as client:
            keys = sshsig.list_keys(
                client, forge, account, login, api_urls=settings.optouts_key_api_urls
            )
    except sshsig.KeyListingError as exc:
        if not exc.permanent:
            raise  # retried with backoff by the task
        _note(context, public_id, f"the forge's key listing failed: {exc}")
        raise PermanentJobError("verification failed; the request says why") from exc
    verified = sshsig.verify(statement, signature, keys, principal)
    with unit_of_work(context.factory) as uow:
        request = service.get_request(uow.session, public_id, lock=True)
        if request.status != "pending":
            return {"status": request.status}
        if verified is None:
            request.status_reason = (
                f"the signature does not verify with any of the {len(keys)} keys {forge} "
                f"lists for {login} (namespace {sshsig.NAMESPACE}, statement unchanged?)"
            )
            raise_after = True
        else:
            service.activate(
                uow.session,
                request,
                kind=EventKind.VERIFIED,
                actor="requester",
                reason="SSH signature with a key the forge lists",
                evidence={"key": f"{verified.key_type} {verified.fingerprint}", "forge": forge},
            )
            raise_after = False
    if raise_after:
        raise PermanentJobError("verification failed; the request says why")
    return {"status": "active"}


def _note(context: JobContext, public_id: str, reason: str) -> None:
    with unit_of_work(context.factory) as uow:
        request = service.get_request(uow.session, public_id, lock=True)
        request.status_reason = reason
