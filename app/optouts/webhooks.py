"""Signed webhooks: announce a topic's entries to its subscribers, with retries.

Generic: a topic is any string (the datasets side will use one per dataset, e.g.
``dataset:42:withdrawals``); :func:`publish` stores one delivery per active
subscription and queues the task that POSTs it once the transaction commits.

Each POST carries the JSON body and two headers:

* ``X-CodeCommons-Timestamp``: Unix seconds when this attempt was signed;
* ``X-CodeCommons-Signature``: ``sha256=`` + hex HMAC-SHA256, under the
  subscription's secret, of ``<timestamp>.`` followed by the body bytes.

A receiver recomputes the HMAC (:func:`verify_signature` is the reference) and
rejects timestamps older than a few minutes, so a captured request cannot be
replayed later. A 2xx answer delivers; anything else (or no answer) is retried with
exponential backoff (``WEBHOOK_RETRY_BASE_SECONDS`` doubling, ``WEBHOOK_MAX_ATTEMPTS``
tries), then the delivery is marked failed with the last error.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit.db import UnitOfWork
from app.kit.queue import enqueue
from app.kit.redaction import has_credentials
from app.models import WebhookDelivery, WebhookSubscription
from app.optouts.feed import Entry, json_feed

DELIVER_TASK = "optouts.deliver_webhook"
SIGNATURE_HEADER = "X-CodeCommons-Signature"
TIMESTAMP_HEADER = "X-CodeCommons-Timestamp"


class RetryDelivery(Exception):
    """A delivery attempt failed and should be tried again."""


def subscribe(session: Session, topic: str, url: str) -> tuple[WebhookSubscription, str]:
    """Register a URL for a topic; the secret is returned once, to give the receiver."""
    if not url.startswith(("https://", "http://")):
        raise ValueError("a webhook URL is http(s)")
    if has_credentials(url):
        # Subscriptions are listed to operators and deliveries logged; receivers
        # authenticate a delivery by its signature, not by a secret in the URL.
        raise ValueError("a webhook URL carries no credentials (deliveries are signed)")
    secret = secrets.token_urlsafe(32)
    sub = WebhookSubscription(topic=topic, url=url, secret=secret)
    session.add(sub)
    session.flush()
    return sub, secret


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    max_age: int = 300,
    now: float | None = None,
) -> bool:
    """What a receiver runs: the signature matches and the timestamp is fresh."""
    try:
        stamp = int(timestamp)
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - stamp) > max_age:
        return False
    return hmac.compare_digest(sign(secret, stamp, body), signature)


def publish(
    uow: UnitOfWork, topic: str, title: str, feed_url: str, entries: Sequence[Entry]
) -> list[int]:
    """Queue one delivery of the entries (as a JSON Feed document) per subscriber."""
    body = json.dumps(json_feed(title, feed_url, feed_url, entries), sort_keys=True).encode()
    subs = uow.session.scalars(
        select(WebhookSubscription).where(
            WebhookSubscription.topic == topic, WebhookSubscription.active.is_(True)
        )
    ).all()
    ids = []
    for sub in subs:
        delivery = WebhookDelivery(subscription_id=sub.id, body=body, state="pending")
        uow.session.add(delivery)
        uow.session.flush()
        enqueue(uow, DELIVER_TASK, delivery.id)
        ids.append(delivery.id)
    return ids


def attempt(session: Session, settings: Settings, delivery_id: int) -> dict[str, Any]:
    """One try (the task retries on :class:`RetryDelivery`)."""
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.state != "pending":
        return {"state": delivery.state if delivery else "missing"}
    sub = session.get(WebhookSubscription, delivery.subscription_id)
    assert sub is not None
    delivery.attempts += 1
    stamp = int(time.time())
    body = bytes(delivery.body)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "codecommons-webhooks/1",
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: sign(sub.secret, stamp, body),
    }
    try:
        response = httpx.post(
            sub.url, content=body, headers=headers, timeout=settings.webhook_timeout_seconds
        )
    except httpx.HTTPError as exc:
        delivery.last_error = f"{type(exc).__name__}"
        delivery.last_status = None
        return _failed_attempt(delivery, settings)
    delivery.last_status = response.status_code
    if 200 <= response.status_code < 300:
        delivery.state = "delivered"
        delivery.delivered_at = datetime.now(UTC)
        delivery.last_error = None
        return {"state": "delivered", "attempts": delivery.attempts}
    delivery.last_error = f"HTTP {response.status_code}"
    return _failed_attempt(delivery, settings)


def _failed_attempt(delivery: WebhookDelivery, settings: Settings) -> dict[str, Any]:
    if delivery.attempts >= settings.webhook_max_attempts:
        delivery.state = "failed"
        return {"state": "failed", "attempts": delivery.attempts}
    return {"state": "retry", "attempts": delivery.attempts}


def backoff(settings: Settings, attempts: int) -> float:
    return float(settings.webhook_retry_base_seconds * 2 ** max(0, attempts - 1))
