"""An administrator's changes to accounts: the account services, each change of role, access or password also
reported to the security log once it commits. Nobody types another person's password: people are invited, or sent
a link, and choose their own."""
from ..auth import invitations
from ..auth import services as accounts
from ..auth.models import User
from ..core import security_log
from ..core.jobs import enqueue_on_commit
from .jobs import send_invitation


def invite(actor: User, email: str, name: str, role: str, language: str | None = None) -> invitations.Invitation:
    """Make an account for a person and email them an invitation (in their language) to choose their password."""
    invitation = invitations.invite(actor, email, name, role, language)
    security_log.event_on_commit("account_created", user=actor, target_user_id=invitation.user_id,
                                 target_email=invitation.user.email, role_after=role, active=True)
    enqueue_on_commit(send_invitation, invitation.id)
    return invitation


def send_password_link(actor: User, user: User) -> invitations.Invitation:
    """Email a person a new link to set their password (it ends their sessions once they use it)."""
    invitation = invitations.send_link(actor, user)
    enqueue_on_commit(send_invitation, invitation.id)
    return invitation


def update_user(actor: User, user: User, *, name: str, role: str, active: bool) -> None:
    """Change an account's name, role or active flag."""
    role_before, active_before = user.role, user.active
    accounts.update_user(actor, user, name=name, role=role, active=active)
    if user.role != role_before:
        security_log.role_changed(actor, user, role_before, user.role)
    if user.active != active_before:
        security_log.event_on_commit("account_activated" if user.active else "account_deactivated", user=actor,
                                     target_user_id=user.id, target_email=user.email)
