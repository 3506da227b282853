"""The notification settings form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField

DELIVERY_CHOICES = [("immediate", _l("Email me each one as it happens")),
                    ("digest", _l("Email me one daily digest (at %(hour)s:00 UTC)"))]


class DeliveryForm(FlaskForm):
    """How a user wants notifications emailed."""

    delivery = RadioField(_l("Emails"), choices=DELIVERY_CHOICES, validate_choice=True)
    submit = SubmitField(_l("Save"))
