"""The frame in three languages: each person's choice, else the browser's; <html lang>; dates and numbers for the
locale; emails in the recipient's language."""
from datetime import date, datetime, timezone

import pytest
from flask import render_template_string
from flask_babel import force_locale
from sqlalchemy import select

from tracker.audit.models import AuditEntry
from tracker.auth.models import User
from tracker.core.dates import format_when
from tracker.core.i18n import recipient_language
from tracker.extensions import db

from .smtp import html_of, text_of

CODE = "L2.A2.O3"


def _page(client, path, language=None):
    headers = {"Accept-Language": language} if language else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("language,words,lang_attribute", [
    ("fr", ["Se connecter", "Mot de passe", "Courriel", "Aller au contenu"], 'lang="fr"'),
    ("es", ["Iniciar sesión", "Contraseña", "Correo electrónico", "Ir al contenido"], 'lang="es"'),
])
def test_the_login_page_speaks_the_browsers_language(client, language, words, lang_attribute):
    page = _page(client, "/login", f"{language},en;q=0.5")
    assert all(word in page for word in words), page
    assert f"<html {lang_attribute}>" in page
    assert "Log in" not in page and "Password" not in page and "Skip to content" not in page


def test_without_a_preference_the_page_is_english(client):
    page = _page(client, "/login")
    assert '<html lang="en">' in page and "Log in" in page and "Se connecter" not in page


def test_a_user_picks_a_language_and_the_next_page_speaks_it(client_as):
    staff = client_as("staff")
    account = _page(staff, "/account", "es")  # the browser's language until one is chosen
    assert "Mi cuenta" in account and "El idioma de su navegador" in account and "Français" in account
    saved = staff.post("/account/language", data={"language": "fr"}, headers={"Accept-Language": "es"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/account")
    assert db.session.get(User, staff.user.id).language == "fr"
    page = _page(staff, "/account", "es")  # the choice wins over the browser
    assert '<html lang="fr">' in page and "Mon compte" in page and "Votre langue est enregistrée." in page
    assert "Mi cuenta" not in page and "My account" not in page
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_id == staff.user.id)
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.action == "update" and entry.after == {"language": "fr"} and entry.before == {"language": None}

    # Back to the browser's language: empty means no choice.
    assert staff.post("/account/language", data={"language": ""}).status_code == 302
    assert db.session.get(User, staff.user.id).language is None
    assert "Mi cuenta" in _page(staff, "/account", "es")


def test_an_unknown_language_changes_nothing(client_as):
    staff = client_as("staff")
    refused = staff.post("/account/language", data={"language": "de"})
    assert refused.status_code == 302
    assert db.session.get(User, staff.user.id).language is None
    assert "Choose one of the languages offered." in _page(staff, "/account")


def test_dates_and_numbers_follow_the_pages_language(app):
    template = "{{ d|fdate }} · {{ t|fdate }} · {{ n|fnum }} · {{ x|fnum(1) }} · {{ m|fmoney }}"
    values = {"d": date(2022, 3, 3), "t": datetime(2022, 3, 3, 14, 5, tzinfo=timezone.utc), "n": 12345,
              "x": 1234.56, "m": 12345.5}
    written = {}
    for language in ("en", "fr", "es"):
        # A request of its own, as a server runs each (its own `g`, where the page's locale is kept).
        with app.app_context(), app.test_request_context(headers={"Accept-Language": language}):
            written[language] = render_template_string(template, **values)
    assert written["en"] == "3 Mar 2022 · 3 Mar 2022, 14:05 UTC · 12,345 · 1,234.6 · €12,345.50"
    assert written["fr"] == "3 mars 2022 · 3 mars 2022, 14:05 UTC · 12\u202f345 · 1\u202f234,6 · 12\u202f345,50\xa0€"
    assert written["es"] == "3 mar 2022 · 3 mar 2022, 14:05 UTC · 12.345 · 1.234,6 · 12.345,50\xa0€"
    with app.app_context():  # a job, a command: English, unless it writes to someone in theirs
        assert format_when(date(2022, 3, 3)) == "3 Mar 2022"
        with force_locale("fr"):
            assert format_when(date(2022, 3, 3)) == "3 mars 2022"


def test_emails_are_written_in_the_recipients_language(app, mailbox, client_as,
                                                       assign_responsible, make_assessment):
    french = client_as("secretary_general", name="Sophie SG")
    english = client_as("secretary_general")
    db.session.get(User, french.user.id).language = "fr"
    db.session.commit()
    staff = client_as("staff", name="Ana Staff")
    assign_responsible(staff.user, CODE)
    assessment = make_assessment(CODE, 2022, state="draft", author=staff.user)
    # The author's browser speaks Spanish: each recipient reads their own language, not the sender's.
    assert staff.post(f"/assessments/{assessment.id}/submit", headers={"Accept-Language": "es"}).status_code == 302

    [message] = mailbox.wait_for(french.user.email)
    assert message["Subject"].startswith("Ana Staff a soumis ") and message["Subject"].endswith(" pour examen.")
    body = text_of(message)
    assert "Bonjour Sophie SG," in body and "parce que vous êtes le Secrétaire général" in body
    assert "Hello" not in body and "because" not in body
    assert '<html lang="fr">' in html_of(message) and "L'ouvrir dans l'outil de suivi" in html_of(message)

    [message] = mailbox.wait_for(english.user.email)  # no choice: English, whatever the sender's browser
    assert message["Subject"] == f"Ana Staff submitted Assessment of {CODE} for 2022 for review."
    assert "Hello" in text_of(message) and '<html lang="en">' in html_of(message)


def test_the_recipients_language_falls_back_to_english():
    assert recipient_language(User(language="es")) == "es"
    assert recipient_language(User(language=None)) == "en"
    assert recipient_language(User(language="de")) == "en"


def test_the_login_page_switches_language_and_remembers_it(client):
    switched = client.get("/login?lang=es", headers={"Accept-Language": "fr"})
    page = switched.get_data(as_text=True)
    assert '<html lang="es">' in page and "Iniciar sesión" in page
    assert "lang=es" in switched.headers["Set-Cookie"] and "HttpOnly" in switched.headers["Set-Cookie"]
    assert 'href="/login?lang=fr"' in page and 'href="/login?lang=en"' in page  # the other two, named in themselves
    later = _page(client, "/login", "fr")  # the cookie keeps the pick over the browser's preference
    assert '<html lang="es">' in later and "Iniciar sesión" in later
    assert _page(client, "/login?lang=xx", "fr").count("Iniciar sesión") >= 1  # an unknown pick changes nothing


def test_an_invitation_is_written_in_the_language_the_administrator_chose(mailbox, client_as):
    admin = client_as("admin", name="Ada Admin")
    form = _page(admin, "/admin/users/new")
    assert "Their browser&#39;s language (emails in English)" in form and "Español" in form
    sent = admin.post("/admin/users/new", data={"email": "nueva@example.org", "name": "Nueva Persona",
                                                "role": "staff", "language": "es"})
    assert sent.status_code == 302
    assert db.session.scalar(select(User.language).where(User.email == "nueva@example.org")) == "es"
    [message] = mailbox.wait_for("nueva@example.org")
    assert message["Subject"] == "Está invitado/a a la herramienta de seguimiento del PAE de Metropolis"
    body = text_of(message)
    assert "Hola, Nueva Persona:" in body and "Ada Admin le ha invitado" in body and "como Personal." in body
    assert "durante 48 horas" in body and "Hello" not in body
    assert '<html lang="es">' in html_of(message)

    refused = admin.post("/admin/users/new", data={"email": "x@example.org", "name": "X", "role": "staff",
                                                   "language": "de"})
    assert refused.status_code == 200 and db.session.scalar(select(User).where(User.email == "x@example.org")) is None
