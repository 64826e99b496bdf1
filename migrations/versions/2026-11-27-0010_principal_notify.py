"""Tell the servers' session caches when a lookup goes stale (app/auth/session_cache.py).

``NOTIFY brigade_principals`` with the user's id when a session is revoked, its expiry moves or
it is deleted, and when a user's role, team, enterprise or active flag changes; ``*`` when an
enterprise is (de)activated or deleted. Notifications are sent at commit, once per distinct
payload per transaction, so bulk revocations cost one message per user.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 00:10:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
CREATE FUNCTION brigade_principal_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- One branch per table: PL/pgSQL prepares OLD.<field> only in the branch it runs.
    IF TG_TABLE_NAME = 'sessions' THEN
        PERFORM pg_notify('brigade_principals', OLD.user_id::text);
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('brigade_principals', OLD.id::text);
    ELSE
        PERFORM pg_notify('brigade_principals', '*');
    END IF;
    RETURN NULL;
END
$$
""")
    op.execute("""
CREATE TRIGGER trg_sessions_principal
AFTER UPDATE OF revoked_at, expires_at, user_id OR DELETE ON sessions
FOR EACH ROW EXECUTE FUNCTION brigade_principal_changed()
""")
    op.execute("""
CREATE TRIGGER trg_users_principal
AFTER UPDATE OF role, team_id, is_active, enterprise_id, enterprise_kind OR DELETE ON users
FOR EACH ROW EXECUTE FUNCTION brigade_principal_changed()
""")
    op.execute("""
CREATE TRIGGER trg_enterprises_principal
AFTER UPDATE OF is_active, kind OR DELETE ON enterprises
FOR EACH ROW EXECUTE FUNCTION brigade_principal_changed()
""")


def downgrade() -> None:
    op.execute("DROP TRIGGER trg_enterprises_principal ON enterprises")
    op.execute("DROP TRIGGER trg_users_principal ON users")
    op.execute("DROP TRIGGER trg_sessions_principal ON sessions")
    op.execute("DROP FUNCTION brigade_principal_changed()")
