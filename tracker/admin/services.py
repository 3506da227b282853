"""An administrator's changes to accounts: the account services, each change of role, access or password also
reported to the security log once it commits."""
from ..auth import services as accounts
from ..auth.models import User
from ..core import security_log


def create_user(actor: User, email: str, name: str, role: str, password: str, *, active: bool = True) -> User:
    """Create an account with its role and first password."""
    user = accounts.create_user(actor, email, name, role, password, active=active)
    security_log.event_on_commit("account_created", user=actor, target_user_id=user.id, target_email=user.email,
                                 role_after=role, active=active)
    return user


def update_user(actor: User, user: User, *, name: str, role: str, active: bool) -> None:
    """Change an account's name, role or active flag."""
    role_before, active_before = user.role, user.active
    accounts.update_user(actor, user, name=name, role=role, active=active)
    if user.role != role_before:
        security_log.role_changed(actor, user, role_before, user.role)
    if user.active != active_before:
        security_log.event_on_commit("account_activated" if user.active else "account_deactivated", user=actor,
                                     target_user_id=user.id, target_email=user.email)


def reset_password(actor: User, user: User, password: str) -> None:
    """Set a new password for someone else (never one's own: the account page asks for it), ending their sessions."""
    accounts.reset_password(actor, user, password)
    security_log.password_changed(user, by=actor)
