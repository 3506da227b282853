"""Events that lower layers announce and higher ones (notifications) act on, without importing them.

Receivers run inside the sender's transaction: what they write commits or rolls back with the change itself.
"""
from blinker import Namespace

_events = Namespace()

# sender: the reviewed item; actor=, action= ("submit", "return" or "approve"), note= (a return's note).
reviewed = _events.signal("reviewed")
# sender: the outcome; actor=, added= (the ids of the users just made responsible for it).
responsibles_added = _events.signal("responsibles-added")
# sender: the report just marked final; actor=.
report_marked_final = _events.signal("report-marked-final")
