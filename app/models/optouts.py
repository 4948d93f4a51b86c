"""The opt-out registry: requests (the current state), their exceptions and identity
hashes, the append-only event chain that is the registry's history, the index of
revision authors' hashed e-mail addresses, and generic webhook subscriptions.

``optout_request`` is a projection that the service updates in the same transaction
as it appends the event saying why; ``optout_event`` is the record that counts, and a
database trigger refuses to update or delete it (migration 0008).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin

SCOPE_KINDS = ("account", "origin", "path", "content", "author")
METHODS = ("proof-file", "ssh-signature", "email", "operator", "signal")
STATUSES = ("pending", "active", "refused", "withdrawn")


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


class OptoutRequest(TimestampMixin, Base):
    """One opt-out: a scope, the purposes it reserves, how it is proven, its state.

    Scope columns by kind (the others stay NULL): ``account`` forge + account_id (the
    forge's stable id) + account_login (display); ``origin`` origin_id; ``path``
    origin_id + path_pattern; ``content`` content_sha1_git (+ origin_id: the origin
    whose control proves the request); ``author`` its identities in
    ``optout_identity`` (hashed e-mail addresses), and forge + account_id when the
    identity is a forge account.
    """

    __tablename__ = "optout_request"
    __table_args__ = (
        _one_of("scope_kind", SCOPE_KINDS, "scope_kind_known"),
        _one_of("method", METHODS, "method_known"),
        _one_of("status", STATUSES, "status_known"),
        CheckConstraint(
            "content_sha1_git IS NULL OR octet_length(content_sha1_git) = 20",
            name="content_sha1_git_length",
        ),
        CheckConstraint(
            "(status = 'active') = (activated_version IS NOT NULL AND withdrawn_version IS NULL)",
            name="active_has_version",
        ),
        Index(None, "status", "activated_version"),
        Index(None, "forge", "account_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    public_id: Mapped[str] = mapped_column(Text, unique=True)
    token_hash: Mapped[bytes | None] = mapped_column(LargeBinary, unique=True)
    scope_kind: Mapped[str] = mapped_column(Text)
    forge: Mapped[str | None] = mapped_column(Text)
    account_id: Mapped[str | None] = mapped_column(Text)
    account_login: Mapped[str | None] = mapped_column(Text)
    account_type: Mapped[str | None] = mapped_column(Text)  # user | organization
    origin_id: Mapped[int | None] = mapped_column(
        ForeignKey("origin.id", ondelete="RESTRICT"), index=True
    )
    path_pattern: Mapped[str | None] = mapped_column(Text)
    path_regex: Mapped[str | None] = mapped_column(Text)
    content_sha1_git: Mapped[bytes | None] = mapped_column(LargeBinary, index=True)
    rules: Mapped[list[str]] = mapped_column(ARRAY(Text))  # canonical purposes.Rule forms
    method: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="pending")
    status_reason: Mapped[str | None] = mapped_column(Text)
    # A proof file's token is public once committed: kept as is to compare.
    proof_token: Mapped[str | None] = mapped_column(Text, unique=True)
    email_code_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    email_code_expires_at: Mapped[datetime | None]
    signature: Mapped[str | None] = mapped_column(Text)  # an SSHSIG armoured signature
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    activated_version: Mapped[int | None] = mapped_column(BigInteger)
    withdrawn_version: Mapped[int | None] = mapped_column(BigInteger)


class OptoutException(Base):
    """A carve-out inside a request's scope: an origin, a path pattern inside an origin,
    or a content, whose occurrences the request does not bring into scope."""

    __tablename__ = "optout_exception"
    __table_args__ = (
        CheckConstraint(
            "origin_id IS NOT NULL OR content_sha1_git IS NOT NULL", name="names_something"
        ),
        CheckConstraint("path_pattern IS NULL OR origin_id IS NOT NULL", name="path_needs_origin"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("optout_request.id", ondelete="CASCADE"), index=True
    )
    origin_id: Mapped[int | None] = mapped_column(ForeignKey("origin.id", ondelete="CASCADE"))
    path_pattern: Mapped[str | None] = mapped_column(Text)
    path_regex: Mapped[str | None] = mapped_column(Text)
    content_sha1_git: Mapped[bytes | None] = mapped_column(LargeBinary)


class OptoutIdentity(Base):
    """An author identity of an ``author`` request: the keyed hash of one e-mail address
    (for a forge account, of each address the forge attributes commits to it by)."""

    __tablename__ = "optout_identity"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("optout_request.id", ondelete="CASCADE"), primary_key=True
    )
    email_hash: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True, index=True)


class OptoutEmailOutbox(Base):
    """An address waiting for its verification e-mail, deleted by the task that sends
    it: the only place an address is ever stored in clear, for seconds."""

    __tablename__ = "optout_email_outbox"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("optout_request.id", ondelete="CASCADE"), primary_key=True
    )
    address: Mapped[str] = mapped_column(Text)
    code: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class OptoutEvent(Base):
    """One change of the registry, chained: ``hash`` = SHA-256 over the previous hash,
    the sequence number, the time, the kind and ``payload_digest`` (the SHA-256 of the
    canonical JSON of request, actor, reason and details). ``seq`` is the registry
    version the event creates. Append-only (a trigger refuses UPDATE and DELETE)."""

    __tablename__ = "optout_event"
    __table_args__ = (
        CheckConstraint("octet_length(hash) = 32", name="hash_length"),
        CheckConstraint("octet_length(prev_hash) = 32", name="prev_hash_length"),
        CheckConstraint("octet_length(payload_digest) = 32", name="payload_digest_length"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(Text)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("optout_request.id", ondelete="RESTRICT"), index=True
    )
    actor: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    payload_digest: Mapped[bytes] = mapped_column(LargeBinary)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary)
    hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)


class OptoutRevisionAuthor(Base):
    """The keyed hash of each archived revision's author address, so an author opt-out
    finds its revisions by an index probe without the address ever being compared in
    clear or the key reaching the database. Filled incrementally by the resolver."""

    __tablename__ = "optout_revision_author"

    revision_id: Mapped[int] = mapped_column(
        ForeignKey("revision.id", ondelete="CASCADE"), primary_key=True
    )
    email_hash: Mapped[bytes | None] = mapped_column(LargeBinary, index=True)


class WebhookSubscription(Base):
    """Where to announce a topic's entries (e.g. a dataset's withdrawals), and the
    secret its deliveries are signed with."""

    __tablename__ = "webhook_subscription"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    topic: Mapped[str] = mapped_column(Text, index=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class WebhookDelivery(Base):
    """One signed POST of a body to a subscription, retried with backoff until it
    succeeds or the attempts run out."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (_one_of("state", ("pending", "delivered", "failed"), "state_known"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscription.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(Text, server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    delivered_at: Mapped[datetime | None]
