"""What counts: the one definition of the work plan, of work done and of work completed.

The overview, the computed indicators and the Board report all count activities through these rules:
- deleted activities (and deleted evidence) never count;
- the work plan is every activity that was not cancelled (planned, in progress, completed);
- work done is what is completed or under way: money spent and evidence are counted on it;
- completed is what delivery rates, engaged members and partners and "completed activities" count.
"""
from .models import Activity

PLANNED, IN_PROGRESS, COMPLETED, CANCELLED = "planned", "in_progress", "completed", "cancelled"
WORK_PLAN_STATUSES = (PLANNED, IN_PROGRESS, COMPLETED)
DONE_STATUSES = (COMPLETED, IN_PROGRESS)
COMPLETED_STATUSES = (COMPLETED,)


def counted(years=None, statuses=None) -> list:
    """The conditions for the live activities of some plan years (all when None) in some statuses (any)."""
    conditions = [Activity.live()]
    if years is not None:
        conditions.append(Activity.year.in_(sorted(years)))
    if statuses is not None:
        conditions.append(Activity.status.in_(list(statuses)))
    return conditions
