"""Import every feature's models so that SQLAlchemy and Alembic see the whole schema."""
from .activities.models import Activity  # noqa: F401,E402
from .assessments.models import Assessment  # noqa: F401,E402
from .audit.models import AuditEntry  # noqa: F401
from .auth.invitations import Invitation  # noqa: F401,E402
from .auth.models import ApiToken, LoginSession, RecoveryCode, User  # noqa: F401
from .calendar.models import ReminderSent  # noqa: F401,E402
from .core.ratelimit import RateLimitCounter  # noqa: F401,E402
from .core.versioning import DataVersion  # noqa: F401,E402
from .core.years import YearLock  # noqa: F401,E402
from .evidence.models import Evidence, StoredFile  # noqa: F401,E402
from .imports.models import ActivityImport, ImportedRow  # noqa: F401,E402
from .indicators.models import Indicator, IndicatorTarget, IndicatorValue  # noqa: F401,E402
from .notifications.models import Notification  # noqa: F401,E402
from .plan.models import (  # noqa: F401
                          ActionLine,
                          Axis,
                          Challenge,
                          ChallengeTopic,
                          KeyIdea,
                          Member,
                          OrientingTheme,
                          Outcome,
                          OutcomeKind,
                          Partner,
                          Plan,
                          outcome_responsible,
)
from .reports.models import BoardItem, BoardYear, Report, ReportSummary, board_item_outcome  # noqa: F401,E402
