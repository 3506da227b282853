"""Login on every page, a role policy on every route, checked against every role."""
import pytest

from tracker.auth.access import PUBLIC_ENDPOINTS
from tracker.core.roles import ROLES


def _rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint not in PUBLIC_ENDPOINTS]


def test_every_route_declares_roles(app):
    missing = [rule.rule for rule in _rules(app) if not getattr(app.view_functions[rule.endpoint],
                                                                "allowed_roles", None)]
    assert missing == []


def _url_for_rule(app, rule):
    """Fill a rule's arguments with values that exist or not; the access check comes first anyway."""
    values = {arg: 1 if rule._converters[arg].__class__.__name__ == "IntegerConverter" else "L1.A1.O1"
              for arg in rule.arguments}
    with app.test_request_context():
        from flask import url_for
        return url_for(rule.endpoint, **values)


def test_anonymous_is_sent_to_login_everywhere(app, client):
    for rule in _rules(app):
        url = _url_for_rule(app, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if method == "GET":
                assert response.status_code == 302, url
                assert "/login" in response.headers["Location"], url
            else:
                assert response.status_code in (401, 400), (method, url)


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(app, client_as, role):
    """A role outside a route's policy gets 403 for every method; inside it, never 403 from the policy."""
    client = client_as(role)
    for rule in _rules(app):
        if rule.endpoint == "auth.logout":
            continue  # would end this client's session; covered in test_auth
        allowed = app.view_functions[rule.endpoint].allowed_roles
        url = _url_for_rule(app, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if role in allowed:
                assert response.status_code != 403 or _row_level(rule), (role, method, url)
                assert response.status_code < 500, (role, method, url)
            else:
                assert response.status_code == 403, (role, method, url)


def _row_level(rule) -> bool:
    """Routes that may still refuse an allowed role for a particular record (e.g. editing someone else's)."""
    return bool(rule.arguments) or rule.methods & {"POST"}


def test_static_files_need_no_login(client):
    for url in ("/static/css/app.css", "/bootstrap/static/css/bootstrap.min.css"):
        with client.get(url) as response:
            assert response.status_code == 200


def test_admin_pages_for_admin_only(client_as):
    assert client_as("admin").get("/admin/users").status_code == 200
    for role in ("secretary_general", "staff", "board"):
        assert client_as(role).get("/admin/users").status_code == 403
