"""The notification emails, as jobs: one now per notification (immediate users), one digest a day (the others)."""
from huey import crontab

from ..core.jobs import enqueue, job, periodic_job, setting
from . import services

# Three more tries, a minute then five apart: an SMTP server that is down a while delays mail, never loses it.
RETRIES = {"retries": 3, "retry_delay": 60, "retry_backoff": 5}


@job(**RETRIES)
def send_email(notification_id: int) -> bool:
    """Email one notification (nothing when it was already emailed or read: safe to run again)."""
    return services.email_one(notification_id)


@job(**RETRIES)
def send_digest(user_id: int) -> int:
    """Email a digest user what they have not been sent (nothing when there is none: safe to run again)."""
    return services.email_digest(user_id)


def _digest_time(moment) -> bool:
    """The daily digest leaves at the top of DIGEST_HOUR_UTC."""
    return moment.minute == 0 and moment.hour == setting("DIGEST_HOUR_UTC")


@periodic_job(_digest_time)
def daily_digest() -> int:
    """Enqueue one digest per user who has unsent notifications and chose the digest."""
    users = services.digest_due()
    for user_id in users:
        enqueue(send_digest, user_id)
    return len(users)


@periodic_job(crontab(minute="*/15"))
def sweep_unsent() -> int:
    """Enqueue again the immediate emails that never left (an enqueue lost, a worker down)."""
    ids = services.unsent_immediate()
    for notification_id in ids:
        enqueue(send_email, notification_id)
    return len(ids)
