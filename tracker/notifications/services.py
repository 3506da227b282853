"""Who is told what: notifications written in the transaction of the change they tell of, emailed after it commits.

A change that rolls back takes its notifications with it and enqueues nothing (the email job is enqueued on
commit). A committed notification is never lost: the email job claims it (emailed_at) in its own commit, and a
periodic sweep enqueues any that an immediate user has still not been sent.
"""
from datetime import timedelta

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update

from ..auth.models import User
from ..core.errors import Invalid
from ..core.i18n import speaking_to
from ..core.jobs import enqueue_on_commit
from ..core.models import utcnow
from ..core.roles import BOARD, SECRETARY_GENERAL
from ..extensions import db
from . import mail
from .models import Notification

LIST_SIZE = 50  # notifications on the list page, newest first
SWEEP_AFTER = timedelta(minutes=10)  # an immediate notification unsent this long is enqueued again


def path_for(endpoint: str, **values) -> str:
    """The path of a page, also outside a request (a command, a job)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return url_for(endpoint, **values)


HISTORY = "tracker.notifications.history"  # a session's info flag: what it notifies is past, already seen


def as_history(work):
    """Run work whose notifications tell of the past (the demo record): kept as read and emailed, none sent."""
    session = db.session()
    session.info[HISTORY] = True
    try:
        return work()
    finally:
        session.info.pop(HISTORY, None)


def notify(users, kind: str, text, link: str) -> list[Notification]:
    """Tell each user something in the current transaction; immediate users' emails leave once it commits.

    `text` is the words, or a function that writes them: called for each user in their language, since the
    notification keeps its text as its recipient reads it (under the bell and in the email).
    """
    from .jobs import send_email  # the jobs module imports this one

    seen = utcnow() if db.session.info.get(HISTORY) else None
    made = [Notification(user_id=user.id, kind=kind, text=_written_for(user, text)[:1000], link=link[:500],
                         read_at=seen, emailed_at=seen) for user in users]
    db.session.add_all(made)
    db.session.flush()
    if seen:
        return made
    for notification, user in zip(made, users):
        if not user.email_digest:
            enqueue_on_commit(send_email, notification.id)
    return made


def _written_for(user, text) -> str:
    """The notification's words for one recipient, in their language."""
    if not callable(text):
        return str(text)
    with speaking_to(user):
        return str(text())


def active_with_role(role: str, *, besides=None) -> list[User]:
    """The active accounts of a role, but the one who acted."""
    query = select(User).where(User.role == role, User.active.is_(True)).order_by(User.id)
    if getattr(besides, "id", None) is not None:
        query = query.where(User.id != besides.id)
    return list(db.session.scalars(query))


def secretaries_general(besides=None) -> list[User]:
    """Who reviews what staff submit."""
    return active_with_role(SECRETARY_GENERAL, besides=besides)


def board_members() -> list[User]:
    """Who reads the final evaluations."""
    return active_with_role(BOARD)


# --- the list and the bell ----------------------------------------------------------------------------------------


def unread_count(user) -> int:
    """How many notifications a user has not read (the bell: one indexed count)."""
    if getattr(user, "id", None) is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None)))


def latest(user) -> list[Notification]:
    """A user's latest notifications, newest first."""
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.created_at.desc(), Notification.id.desc())
                                   .limit(LIST_SIZE)))


def mark_read(user, notifications) -> int:
    """Mark the shown notifications read; one not emailed yet will not be (it has been seen)."""
    ids = [n.id for n in notifications if n.read_at is None]
    if not ids:
        return 0
    now = utcnow()
    db.session.execute(update(Notification).where(Notification.id.in_(ids), Notification.user_id == user.id)
                       .values(read_at=now), execution_options={"synchronize_session": False})
    db.session.execute(update(Notification).where(Notification.id.in_(ids), Notification.emailed_at.is_(None))
                       .values(emailed_at=now), execution_options={"synchronize_session": False})
    return len(ids)


def set_email_digest(user, digest) -> None:
    """Choose immediate emails (False) or one daily digest (True)."""
    if digest not in (True, False):
        raise Invalid(_("Choose immediate emails or a daily digest."), field="delivery")
    user.email_digest = digest


# --- the emails ---------------------------------------------------------------------------------------------------


def _claim(*conditions):
    """Mark the pending notifications that match as emailed now (in the job's transaction); return the stamp."""
    stamp = utcnow()
    db.session.execute(update(Notification).where(Notification.emailed_at.is_(None), *conditions)
                       .values(emailed_at=stamp), execution_options={"synchronize_session": False})
    return stamp


def email_one(notification_id: int) -> bool:
    """Email one notification to an immediate user, unless it was emailed, read or the user chose the digest."""
    immediate = select(User.id).where(User.email_digest.is_(False), User.active.is_(True))
    stamp = _claim(Notification.id == notification_id, Notification.user_id.in_(immediate))
    notification = db.session.scalar(select(Notification).where(Notification.id == notification_id,
                                                                Notification.emailed_at == stamp))
    if notification is None:
        return False  # already sent (a retry, the sweep), read, or the user now takes the digest
    user = notification.user
    with speaking_to(user):
        message = mail.compose(user.email, notification.text, "notification", user=user, notification=notification,
                               url=mail.absolute(notification.link), digest=False)
    mail.send(message)
    return True


def email_digest(user_id: int) -> int:
    """Email a digest user one message with every notification not yet emailed or read; return how many."""
    user = db.session.get(User, user_id)
    if user is None or not user.active or not user.email_digest:
        return 0
    stamp = _claim(Notification.user_id == user.id)
    items = list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                               Notification.emailed_at == stamp)
                                    .order_by(Notification.created_at, Notification.id)))
    if not items:
        return 0
    with speaking_to(user):
        subject = ngettext("%(num)s new notification in the SAP tracker",
                           "%(num)s new notifications in the SAP tracker", len(items))
        message = mail.compose(user.email, subject, "digest", user=user, notifications=items,
                               urls={n.id: mail.absolute(n.link) for n in items},
                               url=mail.absolute("/notifications"), digest=True)
    mail.send(message)
    return len(items)


def digest_due() -> list[int]:
    """The digest users who have notifications not yet emailed."""
    return list(db.session.scalars(
        select(Notification.user_id).join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), User.email_digest.is_(True), User.active.is_(True))
        .group_by(Notification.user_id).order_by(Notification.user_id)))


def unsent_immediate() -> list[int]:
    """Immediate notifications still unsent a while after they were made (an enqueue lost, a worker down)."""
    return list(db.session.scalars(
        select(Notification.id).join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), User.email_digest.is_(False), User.active.is_(True),
               Notification.created_at < utcnow() - SWEEP_AFTER)
        .order_by(Notification.id).limit(500)))
