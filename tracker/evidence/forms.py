"""Forms to add and edit evidence."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, StringField, SubmitField, TextAreaField, URLField
from wtforms.validators import Length, ValidationError

from ..core.forms import NoControlCharacters, Visible, strip_filter
from . import validation
from .models import EVIDENCE_KINDS

KIND_CHOICES = EVIDENCE_KINDS.choices()
TITLE_VALIDATORS = [Length(max=validation.MAX_TITLE,
                           message=_l("The title is longer than %(max)d characters.")),  # WTForms fills in max
                    NoControlCharacters(),
                    Visible(_l("Give the evidence a title with visible characters: this has only invisible ones."))]
URL_HELP = _l("An http:// or https:// address.")


def _note_help() -> str:
    """The note's help text, in the reader's language."""
    return _("At most %(count)s characters.", count=validation.MAX_NOTE)


class AddEvidenceForm(FlaskForm):
    """One form for the three kinds: the chosen kind says which of file, address or note is needed."""

    kind = RadioField(_l("Kind of evidence"), choices=KIND_CHOICES, default="file")
    title = StringField(_l("Title"), validators=TITLE_VALIDATORS, filters=[strip_filter],
                        render_kw={"maxlength": validation.MAX_TITLE},
                        description=_l("For a file, the file name is used if you leave this empty."))
    file = FileField(_l("File to upload"), render_kw={"accept": validation.ACCEPT_ATTRIBUTE})
    url = URLField(_l("Link address"), filters=[strip_filter],
                   render_kw={"placeholder": "https://", "maxlength": validation.MAX_URL}, description=URL_HELP)
    note = TextAreaField(_l("Text of the note"), filters=[strip_filter],
                         render_kw={"rows": 4, "maxlength": validation.MAX_NOTE})
    next = HiddenField()
    submit = SubmitField(_l("Add evidence"))

    def __init__(self, *args, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        self.file.description = _("%(types)s; at most %(limit)s MB.", types=validation.ACCEPTED_SUMMARY,
                                  limit=validation.megabytes(max_bytes))
        self.note.description = _note_help()

    def validate_file(self, field):
        """Require an acceptable file when the kind is file: type by content, size, not empty."""
        if self.kind.data != "file":
            return
        upload = field.data
        if upload is None or not getattr(upload, "filename", None):
            raise ValidationError(_("Choose a file to upload."))
        _checked(lambda stream: validation.check_upload(stream, upload.filename, self.max_bytes), upload.stream)

    def validate_url(self, field):
        """Require an http or https address when the kind is link."""
        if self.kind.data == "link":
            field.data = _checked(validation.check_url, field.data)

    def validate_note(self, field):
        """Require the note's text when the kind is note."""
        if self.kind.data == "note":
            field.data = _checked(validation.check_note, field.data)

    def validate_title(self, field):
        """Links and notes need a title; files fall back to their name."""
        if self.kind.data in ("link", "note") and not field.data:
            raise ValidationError(_("Give the evidence a title."))


class EditEvidenceForm(FlaskForm):
    """The title, and the address of a link or the text of a note."""

    title = StringField(_l("Title"), validators=TITLE_VALIDATORS, render_kw={"maxlength": validation.MAX_TITLE},
                        filters=[strip_filter])
    url = URLField(_l("Link address"), filters=[strip_filter],
                   render_kw={"placeholder": "https://", "maxlength": validation.MAX_URL}, description=URL_HELP)
    note = TextAreaField(_l("Text of the note"), filters=[strip_filter],
                         render_kw={"rows": 4, "maxlength": validation.MAX_NOTE})
    version = HiddenField()
    next = HiddenField()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind != "link":
            del self.url
        if kind != "note":
            del self.note
        else:
            self.note.description = _note_help()
        if kind == "file":
            self.title.description = _("Leave empty to use the file name.")

    def validate_title(self, field):
        """Links and notes need a title; files fall back to their name."""
        if self.kind != "file" and not field.data:
            raise ValidationError(_("Give the evidence a title."))

    def validate_url(self, field):
        """Keep links to http and https addresses."""
        field.data = _checked(validation.check_url, field.data)

    def validate_note(self, field):
        """A note is not empty and not too long."""
        field.data = _checked(validation.check_note, field.data)


class DeleteEvidenceForm(FlaskForm):
    """The delete button: its CSRF token and where to go afterwards."""

    next = HiddenField()


def _checked(check, value):
    """Run one of the validation checks, turning its refusal into a message next to the field."""
    try:
        return check(value)
    except validation.Refused as refused:
        raise ValidationError(refused.message) from None
