"""The JSON API under /api/v1 (flask-smorest): the plan, activities, evidence, indicators and assessments."""
from flask import Flask

from ..auth.access import answer_in_json
from .blueprint import ERROR_RESPONSES, TrackerApi, bp, docs_bp, reference_bp

SECURITY_SCHEMES = {
    "token": {"type": "http", "scheme": "bearer",
              "description": "A personal access token from the account page: Authorization: Bearer mtk_…"},
    "session": {"type": "apiKey", "in": "cookie", "name": "session",
                "description": "A browser's login; changes then need the X-CSRFToken header."},
}

TAGS = (
    ("Plan", "The plan's lines, axes and outcomes, and the reference lists activities use."),
    ("Activities", "What was done or is planned: read, record and change, with the activity form's rules."),
    ("Evidence", "What backs an activity or an outcome: read the metadata, add and change links."),
    ("Indicators", "Targets and figures per plan year; the Board reads approved values only."),
    ("Assessments", "Each outcome's yearly assessment; the Board reads approved ones only."),
)


def register(app: Flask) -> None:
    """Mount the API and its reference on the app, with its own OpenAPI document."""
    from . import reference  # noqa: F401  (declares the document's and the reference page's routes)
    from .views import activities, assessments, evidence, indicators, plan  # noqa: F401  (declare the routes)

    api = TrackerApi(app, spec_kwargs={
        "info": {"description": "The Metropolis Strategic Action Plan tracker's data, with the role rules of its "
                               "pages. Lists come a page at a time (page, per_page up to 100; Link header)."},
        "security": [{"token": []}, {"session": []}],
    })
    api.spec.components.security_scheme("token", SECURITY_SCHEMES["token"])
    api.spec.components.security_scheme("session", SECURITY_SCHEMES["session"])
    for name, description in ERROR_RESPONSES.values():
        api.spec.components.response(name, {"description": description, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
    api.register_blueprint(bp)
    # Operations are tagged by resource: the blueprint's own tag would head an empty group on the reference page.
    api.spec._tags[:] = [tag for tag in api.spec._tags if tag["name"] != bp.name]
    for name, description in TAGS:
        api.spec.tag({"name": name, "description": description})
    app.register_blueprint(reference_bp)
    app.register_blueprint(docs_bp)
    answer_in_json(app, bp.name, reference_bp.name)
