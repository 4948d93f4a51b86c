"""Declarative base, constraint naming convention and the mixins every table shares."""

from __future__ import annotations

from datetime import datetime
from enum import Enum as PyEnum
from typing import Any

from sqlalchemy import BigInteger, DateTime, Enum, ForeignKey, MetaData, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# Stable, predictable constraint names so Alembic migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {datetime: DateTime(timezone=True)}


def pg_enum(enum_cls: type[PyEnum], name: str) -> Enum:
    """A native PostgreSQL enum storing the Python enum's *values* (not names)."""
    return Enum(
        enum_cls,
        name=name,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class ProvenanceMixin:
    """Links a normalized row to the raw payload and the mapper version that produced it.

    Any field can then be explained ("this came from that GitHub response, read at
    that time, through mapper github-repo@3") and re-derived when a mapper changes.
    """

    @declared_attr
    def raw_metadata_id(cls) -> Mapped[int | None]:  # noqa: N805 - declared_attr
        return mapped_column(
            BigInteger, ForeignKey("raw_metadata.id", ondelete="RESTRICT"), index=True
        )

    mapper_version: Mapped[str | None] = mapped_column(Text)
