"""The upload form and the confirm form of an import."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SubmitField
from wtforms.validators import ValidationError

ALL_OR_NOTHING, VALID_ONLY = "all", "valid_only"


class UploadForm(FlaskForm):
    """A spreadsheet of activities to preview."""

    file = FileField(_l("Spreadsheet of activities"), render_kw={"accept": ".xlsx,.csv"},
                     description=_l("An Excel workbook (.xlsx) or a CSV file in UTF-8, with the template's columns; "
                                    "at most 5 MB and 5,000 rows."))
    submit = SubmitField(_l("Preview the import"))

    def validate_file(self, field):
        """A file must be chosen (its content is checked when it is read)."""
        if field.data is None or not getattr(field.data, "filename", None):
            raise ValidationError(_l("Choose a file to upload."))


class ConfirmForm(FlaskForm):
    """Import everything or nothing (the default), or only the rows without problems."""

    mode = RadioField(_l("What to import"), default=ALL_OR_NOTHING, choices=[
        (ALL_OR_NOTHING, _l("Every row, or nothing if any row has a problem")),
        (VALID_ONLY, _l("Only the rows without problems (the others are left out)")),
    ])
    submit = SubmitField(_l("Import"))
