"""The reminders of the reporting calendar, as a daily job."""
from ..core.jobs import periodic_job, setting
from ..core.models import utcnow
from . import services


def _reminder_time(moment) -> bool:
    """The reminders leave at the top of REMINDER_HOUR_UTC."""
    return moment.minute == 0 and moment.hour == setting("REMINDER_HOUR_UTC")


@periodic_job(_reminder_time)
def daily_reminders() -> int:
    """Send the reminders due today (safe to run again: each is sent once)."""
    return services.send_reminders(utcnow().date())  # the day in UTC, as the hour is
