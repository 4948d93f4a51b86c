"""The opt-out registry (app.optouts): requests, exceptions, hashed identities, the
e-mail outbox, the append-only hash-chained event log, the revision-author index, and
generic webhook subscriptions and deliveries.

``optout_event`` is the registry's history. A trigger refuses every UPDATE and DELETE
on it, whoever asks: history is corrected by appending, never by rewriting (TRUNCATE, a
table owner's maintenance statement, is left to the owner). ``ON DELETE RESTRICT``
from events to requests keeps requests that have a history from being deleted.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscription")),
    )
    op.create_index(
        op.f("ix_webhook_subscription_topic"), "webhook_subscription", ["topic"], unique=False
    )
    op.create_table(
        "optout_revision_author",
        sa.Column("revision_id", sa.BigInteger(), nullable=False),
        sa.Column("email_hash", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["revision.id"],
            name=op.f("fk_optout_revision_author_revision_id_revision"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("revision_id", name=op.f("pk_optout_revision_author")),
    )
    op.create_index(
        op.f("ix_optout_revision_author_email_hash"),
        "optout_revision_author",
        ["email_hash"],
        unique=False,
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.Text(), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'delivered', 'failed')",
            name=op.f("ck_webhook_delivery_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscription.id"],
            name=op.f("fk_webhook_delivery_subscription_id_webhook_subscription"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
    )
    op.create_index(
        op.f("ix_webhook_delivery_subscription_id"),
        "webhook_delivery",
        ["subscription_id"],
        unique=False,
    )
    op.create_table(
        "optout_request",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("public_id", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(), nullable=True),
        sa.Column("scope_kind", sa.Text(), nullable=False),
        sa.Column("forge", sa.Text(), nullable=True),
        sa.Column("account_id", sa.Text(), nullable=True),
        sa.Column("account_login", sa.Text(), nullable=True),
        sa.Column("account_type", sa.Text(), nullable=True),
        sa.Column("origin_id", sa.BigInteger(), nullable=True),
        sa.Column("path_pattern", sa.Text(), nullable=True),
        sa.Column("path_regex", sa.Text(), nullable=True),
        sa.Column("content_sha1_git", sa.LargeBinary(), nullable=True),
        sa.Column("rules", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("proof_token", sa.Text(), nullable=True),
        sa.Column("email_code_hash", sa.LargeBinary(), nullable=True),
        sa.Column("email_code_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signature", sa.Text(), nullable=True),
        sa.Column(
            "evidence",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("activated_version", sa.BigInteger(), nullable=True),
        sa.Column("withdrawn_version", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(status = 'active') = (activated_version IS NOT NULL AND withdrawn_version IS NULL)",
            name=op.f("ck_optout_request_active_has_version"),
        ),
        sa.CheckConstraint(
            "method IN ('proof-file', 'ssh-signature', 'email', 'operator', 'signal')",
            name=op.f("ck_optout_request_method_known"),
        ),
        sa.CheckConstraint(
            "scope_kind IN ('account', 'origin', 'path', 'content', 'author')",
            name=op.f("ck_optout_request_scope_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'active', 'refused', 'withdrawn')",
            name=op.f("ck_optout_request_status_known"),
        ),
        sa.CheckConstraint(
            "content_sha1_git IS NULL OR octet_length(content_sha1_git) = 20",
            name=op.f("ck_optout_request_content_sha1_git_length"),
        ),
        sa.ForeignKeyConstraint(
            ["origin_id"],
            ["origin.id"],
            name=op.f("fk_optout_request_origin_id_origin"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_optout_request")),
        sa.UniqueConstraint("proof_token", name=op.f("uq_optout_request_proof_token")),
        sa.UniqueConstraint("public_id", name=op.f("uq_optout_request_public_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_optout_request_token_hash")),
    )
    op.create_index(
        op.f("ix_optout_request_content_sha1_git"),
        "optout_request",
        ["content_sha1_git"],
        unique=False,
    )
    op.create_index(
        op.f("ix_optout_request_forge_account_id"),
        "optout_request",
        ["forge", "account_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_optout_request_origin_id"), "optout_request", ["origin_id"], unique=False
    )
    op.create_index(
        op.f("ix_optout_request_status_activated_version"),
        "optout_request",
        ["status", "activated_version"],
        unique=False,
    )
    op.create_table(
        "optout_email_outbox",
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["optout_request.id"],
            name=op.f("fk_optout_email_outbox_request_id_optout_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_optout_email_outbox")),
    )
    op.create_table(
        "optout_event",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("payload_digest", sa.LargeBinary(), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(), nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("octet_length(hash) = 32", name=op.f("ck_optout_event_hash_length")),
        sa.CheckConstraint(
            "octet_length(payload_digest) = 32", name=op.f("ck_optout_event_payload_digest_length")
        ),
        sa.CheckConstraint(
            "octet_length(prev_hash) = 32", name=op.f("ck_optout_event_prev_hash_length")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["optout_request.id"],
            name=op.f("fk_optout_event_request_id_optout_request"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_optout_event")),
        sa.UniqueConstraint("hash", name=op.f("uq_optout_event_hash")),
    )
    op.create_index(
        op.f("ix_optout_event_request_id"), "optout_event", ["request_id"], unique=False
    )
    op.create_table(
        "optout_exception",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("origin_id", sa.BigInteger(), nullable=True),
        sa.Column("path_pattern", sa.Text(), nullable=True),
        sa.Column("path_regex", sa.Text(), nullable=True),
        sa.Column("content_sha1_git", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint(
            "origin_id IS NOT NULL OR content_sha1_git IS NOT NULL",
            name=op.f("ck_optout_exception_names_something"),
        ),
        sa.CheckConstraint(
            "path_pattern IS NULL OR origin_id IS NOT NULL",
            name=op.f("ck_optout_exception_path_needs_origin"),
        ),
        sa.ForeignKeyConstraint(
            ["origin_id"],
            ["origin.id"],
            name=op.f("fk_optout_exception_origin_id_origin"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["optout_request.id"],
            name=op.f("fk_optout_exception_request_id_optout_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_optout_exception")),
    )
    op.create_index(
        op.f("ix_optout_exception_request_id"), "optout_exception", ["request_id"], unique=False
    )
    op.create_table(
        "optout_identity",
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("email_hash", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["optout_request.id"],
            name=op.f("fk_optout_identity_request_id_optout_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", "email_hash", name=op.f("pk_optout_identity")),
    )
    op.create_index(
        op.f("ix_optout_identity_email_hash"), "optout_identity", ["email_hash"], unique=False
    )
    op.execute(APPEND_ONLY)


APPEND_ONLY = """
CREATE FUNCTION optout_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'optout_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER optout_event_append_only BEFORE UPDATE OR DELETE ON optout_event
    FOR EACH ROW EXECUTE FUNCTION optout_event_append_only();
"""


def downgrade() -> None:
    op.execute("DROP TRIGGER optout_event_append_only ON optout_event")
    op.execute("DROP FUNCTION optout_event_append_only()")
    op.drop_index(op.f("ix_optout_identity_email_hash"), table_name="optout_identity")
    op.drop_table("optout_identity")
    op.drop_index(op.f("ix_optout_exception_request_id"), table_name="optout_exception")
    op.drop_table("optout_exception")
    op.drop_index(op.f("ix_optout_event_request_id"), table_name="optout_event")
    op.drop_table("optout_event")
    op.drop_table("optout_email_outbox")
    op.drop_index(op.f("ix_optout_request_status_activated_version"), table_name="optout_request")
    op.drop_index(op.f("ix_optout_request_origin_id"), table_name="optout_request")
    op.drop_index(op.f("ix_optout_request_forge_account_id"), table_name="optout_request")
    op.drop_index(op.f("ix_optout_request_content_sha1_git"), table_name="optout_request")
    op.drop_table("optout_request")
    op.drop_index(op.f("ix_webhook_delivery_subscription_id"), table_name="webhook_delivery")
    op.drop_table("webhook_delivery")
    op.drop_index(op.f("ix_optout_revision_author_email_hash"), table_name="optout_revision_author")
    op.drop_table("optout_revision_author")
    op.drop_index(op.f("ix_webhook_subscription_topic"), table_name="webhook_subscription")
    op.drop_table("webhook_subscription")
