"""The four roles and the groups of them that views allow."""

ADMIN = "admin"
SECRETARY_GENERAL = "secretary_general"
STAFF = "staff"
BOARD = "board"

ROLES = (ADMIN, SECRETARY_GENERAL, STAFF, BOARD)
ROLE_LABELS = {
    ADMIN: "Administrator",
    SECRETARY_GENERAL: "Secretary General",
    STAFF: "Staff",
    BOARD: "Board member",
}

EVERYONE = ROLES
EDITORS = (ADMIN, SECRETARY_GENERAL, STAFF)  # may record work
STEERING = (ADMIN, SECRETARY_GENERAL)  # may set targets, review, generate reports
ADMINS = (ADMIN,)
