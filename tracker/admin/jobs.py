"""The invitation email, as a job: it makes the link's token, so the token exists in the email alone."""
from flask import current_app
from flask_babel import gettext as _

from ..auth import invitations
from ..core.i18n import speaking_to
from ..core.jobs import job
from ..notifications import mail
from ..notifications.services import path_for


@job(retries=3, retry_delay=60, retry_backoff=5)
def send_invitation(invitation_id: int) -> bool:
    """Email an invitation or password link (nothing when it was sent already or has ended: safe to run again)."""
    issued = invitations.issue_token(invitation_id)
    if issued is None:
        return False
    invitation, token = issued
    user = invitation.user
    inviting = invitation.purpose == "invite"
    url = mail.absolute(path_for("auth.invitation", token=token))
    with speaking_to(user):  # the language an administrator chose for the new account, else English
        subject = _("You are invited to the Metropolis SAP tracker") if inviting else \
            _("Set a new password for the Metropolis SAP tracker")
        message = mail.compose(user.email, subject, "invitation", user=user, invitation=invitation,
                               inviting=inviting, inviter=invitation.created_by,
                               hours=current_app.config["INVITATION_HOURS"], url=url)
    mail.send(message)
    return True
