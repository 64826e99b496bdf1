"""Core schema: enterprises, teams, users, sessions, API tokens, labeling jobs, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 13:53:03.268581+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor_user_id", sa.UUID(), nullable=True),
        sa.Column("actor_token_id", sa.UUID(), nullable=True),
        sa.Column("enterprise_id", sa.UUID(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(
        "ix_audit_events_enterprise_at", "audit_events", ["enterprise_id", "at"], unique=False
    )
    op.create_index(
        "ix_audit_events_target", "audit_events", ["target_type", "target_id"], unique=False
    )
    op.create_table(
        "enterprises",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "park_operator",
                "client",
                "vendor",
                name="enterprise_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("settings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprises")),
        sa.UniqueConstraint("id", "kind", name=op.f("uq_enterprises_id_kind")),
    )
    op.create_index(
        "uq_enterprises_lower_name", "enterprises", [sa.text("lower(name)")], unique=True
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("enterprise_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_teams_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("enterprise_id", "name", name=op.f("uq_teams_enterprise_id_name")),
        sa.UniqueConstraint("id", "enterprise_id", name=op.f("uq_teams_id_enterprise_id")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("enterprise_id", sa.UUID(), nullable=False),
        sa.Column(
            "enterprise_kind",
            sa.Enum(
                "park_operator",
                "client",
                "vendor",
                name="user_enterprise_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("team_id", sa.UUID(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "park_admin",
                "enterprise_admin",
                "annotator",
                "qa_lead",
                "client_member",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column(
            "locale",
            sa.Enum(
                "zh-CN", "en", name="locale", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(role <> 'park_admin' OR enterprise_kind = 'park_operator') AND (role NOT IN ('annotator', 'qa_lead') OR enterprise_kind = 'vendor') AND (role <> 'client_member' OR enterprise_kind = 'client')",
            name=op.f("ck_users_role_fits_enterprise_kind"),
        ),
        sa.CheckConstraint(
            "team_id IS NULL OR enterprise_kind = 'vendor'", name=op.f("ck_users_team_in_vendor")
        ),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_users_email_lowercase")),
        sa.ForeignKeyConstraint(
            ["enterprise_id", "enterprise_kind"],
            ["enterprises.id", "enterprises.kind"],
            name=op.f("fk_users_enterprise_id_enterprise_kind_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id", "enterprise_id"],
            ["teams.id", "teams.enterprise_id"],
            name=op.f("fk_users_team_id_enterprise_id_teams"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index("ix_users_enterprise_role", "users", ["enterprise_id", "role"], unique=False)
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("enterprise_id", sa.UUID(), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "park_admin",
                "enterprise_admin",
                "annotator",
                "qa_lead",
                "client_member",
                name="token_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role <> 'park_admin'", name=op.f("ck_api_tokens_no_park_admin_tokens")),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_api_tokens_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_api_tokens_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_tokens_secret_hash")),
    )
    op.create_index("ix_api_tokens_enterprise", "api_tokens", ["enterprise_id"], unique=False)
    op.create_table(
        "labeling_jobs",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column(
            "client_kind",
            sa.Enum(
                "park_operator",
                "client",
                "vendor",
                name="job_client_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "domain",
            sa.Enum(
                "ecommerce",
                "search",
                "logistics",
                "finance",
                "autonomous_driving",
                "maps",
                "medical",
                "other",
                name="domain",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "data_kind",
            sa.Enum(
                "image",
                "text",
                name="data_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("label_schema", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("overlap", sa.Integer(), nullable=False),
        sa.Column("price_per_item", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "running",
                "paused",
                "completed",
                "cancelled",
                name="job_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
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
        sa.CheckConstraint("client_kind = 'client'", name=op.f("ck_labeling_jobs_owner_is_client")),
        sa.CheckConstraint("currency = 'CNY'", name=op.f("ck_labeling_jobs_currency_cny")),
        sa.CheckConstraint(
            "label_schema ->> 'kind' IS NOT NULL", name=op.f("ck_labeling_jobs_schema_has_kind")
        ),
        sa.CheckConstraint("overlap BETWEEN 1 AND 20", name=op.f("ck_labeling_jobs_overlap_range")),
        sa.CheckConstraint("price_per_item >= 0", name=op.f("ck_labeling_jobs_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["client_id", "client_kind"],
            ["enterprises.id", "enterprises.kind"],
            name=op.f("fk_labeling_jobs_client_id_client_kind_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_labeling_jobs_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labeling_jobs")),
        sa.UniqueConstraint("client_id", "name", name=op.f("uq_labeling_jobs_client_id_name")),
    )
    op.create_index("ix_labeling_jobs_status", "labeling_jobs", ["status"], unique=False)
    op.create_table(
        "sessions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_sessions_secret_hash")),
    )
    op.create_index("ix_sessions_user", "sessions", ["user_id"], unique=False)
    op.create_table(
        "job_vendors",
        sa.Column("job_id", sa.UUID(), nullable=False),
        sa.Column("vendor_id", sa.UUID(), nullable=False),
        sa.Column(
            "vendor_kind",
            sa.Enum(
                "park_operator",
                "client",
                "vendor",
                name="job_vendor_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "admitted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "vendor_kind = 'vendor'", name=op.f("ck_job_vendors_admits_vendors_only")
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["labeling_jobs.id"],
            name=op.f("fk_job_vendors_job_id_labeling_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id", "vendor_kind"],
            ["enterprises.id", "enterprises.kind"],
            name=op.f("fk_job_vendors_vendor_id_vendor_kind_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "vendor_id", name=op.f("pk_job_vendors")),
    )
    op.create_index("ix_job_vendors_vendor", "job_vendors", ["vendor_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_job_vendors_vendor", table_name="job_vendors")
    op.drop_table("job_vendors")
    op.drop_index("ix_sessions_user", table_name="sessions")
    op.drop_table("sessions")
    op.drop_index("ix_labeling_jobs_status", table_name="labeling_jobs")
    op.drop_table("labeling_jobs")
    op.drop_index("ix_api_tokens_enterprise", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_index("ix_users_enterprise_role", table_name="users")
    op.drop_table("users")
    op.drop_table("teams")
    op.drop_index("uq_enterprises_lower_name", table_name="enterprises")
    op.drop_table("enterprises")
    op.drop_index("ix_audit_events_target", table_name="audit_events")
    op.drop_index("ix_audit_events_enterprise_at", table_name="audit_events")
    op.drop_table("audit_events")
