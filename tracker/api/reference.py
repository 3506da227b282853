"""The OpenAPI document and the browsable reference page (Swagger UI from the app's own static files)."""
from flask import current_app, render_template

from ..core.access import allow
from ..core.roles import EVERYONE
from .blueprint import docs_bp, reference_bp


def current_spec() -> dict:
    """This app's OpenAPI document, as flask-smorest builds it from the code."""
    return current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()


@reference_bp.route("/openapi.json")
@allow(*EVERYONE)
def openapi_json():
    """The OpenAPI 3 document of the API."""
    return current_spec()


@docs_bp.route("/docs")
@allow(*EVERYONE)
def reference():
    """The browsable API reference: every operation, its parameters and answers, and a way to try them."""
    return render_template("api/reference.html")
