"""drill scenarios as managed content (issue 18): stored scenarios with versions

``drill_scenarios``: a scenario written in the editor or imported (the library files stay the
seed, read from disk): its title, owner prefecture (NULL: the province, shared), the current
version number and an optimistic-lock ``revision``. ``drill_scenario_versions``: every saved
version (YAML text, who, when, change note, draft or published). ``drill_runs.scenario_version``:
the version a run played (NULL: a library file or an uploaded text).

Revision ID: 0188_drill_scenarios
Revises: 0187_drill_play
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0188_drill_scenarios"
down_revision = "0187_drill_play"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drill_scenarios",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("prefecture", sa.String(50)),
        sa.Column("copied_from", sa.String(100), nullable=False, server_default=""),
        sa.Column("current_version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("created_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False, server_default="1"),
    )
    op.create_table(
        "drill_scenario_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scenario_id", sa.Integer(), sa.ForeignKey("drill_scenarios.id"),
                  nullable=False, index=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("yaml", sa.Text(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("draft", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("scenario_id", "number"),
    )
    with op.batch_alter_table("drill_runs") as batch:
        batch.add_column(sa.Column("scenario_version", sa.Integer()))


def downgrade() -> None:
    with op.batch_alter_table("drill_runs") as batch:
        batch.drop_column("scenario_version")
    op.drop_table("drill_scenario_versions")
    op.drop_table("drill_scenarios")
