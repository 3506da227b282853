"""The four roles and the groups of them that views allow."""
from flask_babel import lazy_gettext as _l

ADMIN = "admin"
SECRETARY_GENERAL = "secretary_general"
STAFF = "staff"
BOARD = "board"

ROLES = (ADMIN, SECRETARY_GENERAL, STAFF, BOARD)
ROLE_LABELS = {
    ADMIN: _l("Administrator"),
    SECRETARY_GENERAL: _l("Secretary General"),
    STAFF: _l("Staff"),
    BOARD: _l("Board member"),
}

EVERYONE = ROLES
EDITORS = (ADMIN, SECRETARY_GENERAL, STAFF)  # may record work
STEERING = (ADMIN, SECRETARY_GENERAL)  # may set targets, review, generate reports
ADMINS = (ADMIN,)
