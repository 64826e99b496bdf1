"""Enterprises, teams and users: who belongs where, enforced by the database.

A user's role must fit the kind of enterprise they belong to (annotators and QA leads only in
vendors, client members only in clients, park admins only in the park operator). The kind is
copied onto the user row and tied to the enterprise by a composite foreign key so a CHECK
constraint can enforce the rule; a team must belong to the user's own enterprise.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, created_at, str_enum, uuid_pk
from app.models.enums import EnterpriseKind, Locale, Role


class Enterprise(Base):
    __tablename__ = "enterprises"
    __table_args__ = (
        UniqueConstraint("id", "kind"),  # target of users' (enterprise_id, enterprise_kind) FK
        Index("uq_enterprises_lower_name", text("lower(name)"), unique=True),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[EnterpriseKind] = mapped_column(
        str_enum(EnterpriseKind, "enterprise_kind"), nullable=False
    )
    # Free-form, validated by the enterprises service (contact, region, ...).
    settings: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = created_at()


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "name"),
        UniqueConstraint("id", "enterprise_id"),  # lets users' FK pin the team to their company
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("enterprises.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    created_at: Mapped[datetime] = created_at()


ROLE_FITS_KIND = (
    "(role <> 'park_admin' OR enterprise_kind = 'park_operator') AND "
    "(role NOT IN ('annotator', 'qa_lead') OR enterprise_kind = 'vendor') AND "
    "(role <> 'client_member' OR enterprise_kind = 'client')"
)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        ForeignKeyConstraint(
            ["enterprise_id", "enterprise_kind"],
            ["enterprises.id", "enterprises.kind"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(["team_id", "enterprise_id"], ["teams.id", "teams.enterprise_id"]),
        CheckConstraint(ROLE_FITS_KIND, name="role_fits_enterprise_kind"),
        CheckConstraint("team_id IS NULL OR enterprise_kind = 'vendor'", name="team_in_vendor"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        UniqueConstraint("email"),
        Index("ix_users_enterprise_role", "enterprise_id", "role"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    enterprise_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    enterprise_kind: Mapped[EnterpriseKind] = mapped_column(
        str_enum(EnterpriseKind, "user_enterprise_kind"), nullable=False
    )
    team_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    display_name: Mapped[str] = mapped_column(String(120), nullable=False)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), nullable=False)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    locale: Mapped[Locale] = mapped_column(
        str_enum(Locale, "locale"), nullable=False, default=Locale.ZH_CN
    )
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Qualifications (e.g. "medical", "zh-ner"): a job with a required skill is served only to
    # annotators holding it. Set by their enterprise admin.
    skills: Mapped[list[str]] = mapped_column(
        ARRAY(String(64)), nullable=False, default=list, server_default="{}"
    )
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set after too many failed logins in a row; logins are refused until then.
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at()

    enterprise: Mapped[Enterprise] = relationship(lazy="joined", foreign_keys=[enterprise_id])
    team: Mapped[Team | None] = relationship(lazy="joined", foreign_keys=[team_id])
