"""Import every feature's models so that SQLAlchemy and Alembic see the whole schema."""
from .audit.models import AuditEntry  # noqa: F401
from .auth.models import LoginSession, User  # noqa: F401
from .plan.models import (ActionLine, Axis, Challenge, ChallengeTopic, KeyIdea, Member, OrientingTheme,  # noqa: F401
                          Outcome, OutcomeKind, Partner, Plan)
