"""CSRF, security headers, error pages and the production configuration."""
import pytest

from config import ProductionConfig
from tracker import create_app

from .conftest import PASSWORD


def test_post_without_csrf_token_is_refused(app, csrf_app, make_user):
    user = make_user("staff", email="ana@example.org")
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)
    assert client.get("/plan/").status_code == 302  # not logged in
    assert user.last_login_at is None


def test_post_with_csrf_token_works(app, csrf_app, make_user):
    make_user("staff", email="ana@example.org")
    client = csrf_app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/plan/").status_code == 200
    # Logging out also needs the token.
    assert client.post("/logout").status_code == 400
    assert client.get("/plan/").status_code == 200


def test_security_headers_on_every_response(client, client_as):
    static = client.get("/static/css/app.css")
    static.close()
    for response in (client.get("/login"), client.get("/nowhere"), client_as("staff").get("/plan/"), static):
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]


def test_session_cookie_flags(client, make_user):
    make_user("staff", email="ana@example.org")
    response = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_no_inline_script_or_external_assets(client_as):
    html = client_as("admin").get("/plan/").get_data(as_text=True)
    assert "<script>" not in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html


def test_friendly_404_and_500(app, csrf_app, client_as, login):
    client = client_as("staff")
    response = client.get("/plan/outcomes/nothing-here")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)

    from tracker.core.access import allow

    @csrf_app.route("/boom-test")
    @allow("staff")
    def boom():
        raise RuntimeError("secret internals")

    fresh = login(csrf_app.test_client(), client.user)
    response = fresh.get("/boom-test")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong" in body and "secret internals" not in body and "Traceback" not in body


def test_production_refuses_weak_secret(monkeypatch):
    for weak in ("", "dev", "short-key"):
        monkeypatch.setenv("SECRET_KEY", weak)
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            create_app(ProductionConfig, SECRET_KEY=weak)


def test_production_starts_with_real_secret(tmp_path):
    app = create_app(ProductionConfig, SECRET_KEY="x" * 16 + "y" * 32,
                     SQLALCHEMY_DATABASE_URI="sqlite:///" + str(tmp_path / "p.sqlite"))
    assert app.config["SESSION_COOKIE_SECURE"] is True
