"""The notification settings form."""
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField

DELIVERY_CHOICES = [("immediate", "Email me each one as it happens"),
                    ("digest", "Email me one daily digest (at {hour:02d}:00 UTC)")]


class DeliveryForm(FlaskForm):
    """How a user wants notifications emailed."""

    delivery = RadioField("Emails", choices=DELIVERY_CHOICES, validate_choice=True)
    submit = SubmitField("Save")
