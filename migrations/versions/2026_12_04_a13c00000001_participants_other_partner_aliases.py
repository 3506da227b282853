"""Participants of another gender or not stated; partner aliases; partner names without a repeated acronym

Revision ID: a13c00000001
Revises: a13b00000001
Create Date: 2026-12-04 00:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "a13c00000001"
down_revision = "a13b00000001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("participants_other", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(batch_op.f("ck_activity_other_positive"),
                                         "participants_other IS NULL OR participants_other >= 0")
    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.add_column(sa.Column("aliases", sa.Text(), nullable=False, server_default=""))
    # Women and men were at most the total: what they left over is, by definition, other or not stated. Recording
    # it keeps older activities editable now that the parts must add up to the total.
    op.execute("UPDATE activity SET participants_other = participants_total - participants_women - participants_men "
               "WHERE participants_total IS NOT NULL AND participants_women IS NOT NULL "
               "AND participants_men IS NOT NULL AND participants_women + participants_men <= participants_total")
    _strip_repeated_acronyms()


def _strip_repeated_acronyms():
    """A name seeded as "Name (ACR)" with acronym ACR showed "(ACR) (ACR)": keep "Name", unless that name is taken."""
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name, acronym FROM partner WHERE acronym IS NOT NULL")).all()
    taken = {name for (name,) in conn.execute(sa.text("SELECT name FROM partner"))}
    for partner_id, name, acronym in rows:
        suffix = f" ({acronym})"
        if not acronym or not name.endswith(suffix):
            continue
        short = name[:-len(suffix)].rstrip()
        if not short or short in taken:
            continue  # names are unique: leave this one as it is (the label shows the acronym once anyway)
        conn.execute(sa.text("UPDATE partner SET name = :short WHERE id = :id"), {"short": short, "id": partner_id})
        taken.discard(name)
        taken.add(short)


def downgrade():
    # The shortened partner names are kept: they are the names the data file now seeds.
    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.drop_column("aliases")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_activity_other_positive"), type_="check")
        batch_op.drop_column("participants_other")
