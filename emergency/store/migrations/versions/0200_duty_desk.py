"""duty desk (issue 20): staff ↔ account link, notifications, duty-log call fields, handover
receiver and acknowledgement

* ``duty_staff.username`` — the account of the person (unique, optional): who is "me" on the
  duty page (write today's log when on shift, acknowledge a handover, read my notifications)
* ``duty_notifications`` — the in-app notification centre (通知): a roster change that touches a
  person (swap, replacement on a published roster), unread until they mark it read
* ``duty_log_entries`` — time of the call or event (may differ from the typing time), caller,
  unit, phone, and the entry it corrects (corrections are new entries, never edits)
* ``duty_handovers.received_staff_id`` — the receiver picked from the incoming shift
* ``duty_handover_acks`` — the receiver's acknowledgement (接班确认), one per handover (the
  handover rows themselves are append-only)

Revision ID: 0200_duty_desk
Revises: 0009_duty_feed
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0200_duty_desk"
down_revision = "0009_duty_feed"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("duty_staff") as batch:
        batch.add_column(sa.Column("username", sa.String(64)))
        batch.create_unique_constraint("uq_duty_staff_username", ["username"])
    with op.batch_alter_table("duty_log_entries") as batch:
        batch.add_column(sa.Column("occurred_at", TZ))
        batch.add_column(sa.Column("caller", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("caller_unit", sa.String(100), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("caller_phone", sa.String(40), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("corrects_id", sa.Integer()))
    with op.batch_alter_table("duty_handovers") as batch:
        batch.add_column(sa.Column("received_staff_id", sa.Integer(),
                                   sa.ForeignKey("duty_staff.id",
                                                 name="fk_duty_handovers_received_staff")))
    op.create_table(
        "duty_handover_acks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("handover_id", sa.Integer(),
                  sa.ForeignKey("duty_handovers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("duty_staff.id"), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False, server_default=""),
        sa.Column("at", TZ, nullable=False),
        sa.UniqueConstraint("handover_id", name="uq_duty_handover_acks_handover"),
    )
    op.create_table(
        "duty_notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("staff_id", sa.Integer(),
                  sa.ForeignKey("duty_staff.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("link", sa.String(200), nullable=False, server_default=""),
        sa.Column("data", sa.JSON()),
        sa.Column("created_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("read_at", TZ),
    )
    op.create_index("ix_duty_notifications_staff_read", "duty_notifications",
                    ["staff_id", "read_at"])


def downgrade() -> None:
    op.drop_index("ix_duty_notifications_staff_read", table_name="duty_notifications")
    op.drop_table("duty_notifications")
    op.drop_table("duty_handover_acks")
    with op.batch_alter_table("duty_handovers") as batch:
        batch.drop_constraint("fk_duty_handovers_received_staff", type_="foreignkey")
        batch.drop_column("received_staff_id")
    with op.batch_alter_table("duty_log_entries") as batch:
        for column in ("corrects_id", "caller_phone", "caller_unit", "caller", "occurred_at"):
            batch.drop_column(column)
    with op.batch_alter_table("duty_staff") as batch:
        batch.drop_constraint("uq_duty_staff_username", type_="unique")
        batch.drop_column("username")
