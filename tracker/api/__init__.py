"""The JSON API under /api/v1 (flask-smorest): the plan, activities, evidence, indicators and assessments."""
from flask import Flask

from ..auth.access import answer_in_json
from .blueprint import TrackerApi, bp, docs_bp, reference_bp

SECURITY_SCHEMES = {
    "token": {"type": "http", "scheme": "bearer",
              "description": "A personal access token from the account page: Authorization: Bearer mtk_…"},
    "session": {"type": "apiKey", "in": "cookie", "name": "session",
                "description": "A browser's login; changes then need the X-CSRFToken header."},
}


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
    api.register_blueprint(bp)
    app.register_blueprint(reference_bp)
    app.register_blueprint(docs_bp)
    answer_in_json(app, bp.name, reference_bp.name)
