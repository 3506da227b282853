"""The plan in French and Spanish: translated titles, the marked English fallback, the translation page."""
import re

import pytest

from tracker.extensions import db


def _restore(outcome, english_axis: str) -> None:
    """Put the seeded plan back as it was (the plan is kept between tests)."""
    outcome.title_fr, outcome.axis.title_en = None, english_axis
    db.session.commit()


def test_french_title_shown_and_english_fallback_marked_and_escaped(app, client_as, find_outcome,
                                                                    request):
    outcome = find_outcome("L1.A1.O1")
    english_axis = outcome.axis.title_en
    outcome.title_fr = "Résultat traduit"
    outcome.axis.title_en = "<b>Axis</b> & co"
    db.session.commit()
    request.addfinalizer(lambda: _restore(outcome, english_axis))
    html = client_as("staff").get("/plan/outcomes/L1.A1.O1", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Résultat traduit" in html and "Résultat L1.A1.O1" in html
    assert "<span lang=en class=untranslated title='Pas encore traduit'>&lt;b&gt;Axis&lt;/b&gt; &amp; co</span>" in html
    assert "<b>Axis</b>" not in html
    english = client_as("staff").get("/plan/outcomes/L1.A1.O1").get_data(as_text=True)
    assert "Résultat traduit" not in english and "untranslated" not in english


def test_plan_page_in_spanish(client_as):
    html = client_as("board").get("/plan/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Línea de acción 1:" in html and "Ideas clave" in html and "Key ideas" not in html


def test_translation_page_saves_validates_audits(app, client_as, find_outcome, request):
    outcome = find_outcome("L1.A1.O1")
    outcome.title_fr = None
    db.session.commit()
    request.addfinalizer(lambda: _restore(outcome, outcome.axis.title_en))
    client = client_as("secretary_general")
    page = client.get("/plan/translations").get_data(as_text=True)
    seen = re.search(r'name="seen" type="hidden" value="([0-9a-f]+)"', page).group(1)
    field = f"outcome_{outcome.id}_fr"
    too_long = client.post("/plan/translations", data={"seen": seen, field: "x" * 301})
    assert too_long.status_code == 200 and "At most 300 characters" in too_long.get_data(as_text=True)
    db.session.refresh(outcome)
    assert outcome.title_fr is None
    saved = client.post("/plan/translations", data={"seen": seen, field: "  Un résultat  "})
    assert saved.status_code == 302
    db.session.refresh(outcome)
    assert outcome.title_fr == "Un résultat" and outcome.title_en != "Un résultat"
    from tracker.audit.models import AuditEntry

    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.entity_type == "outcome")).all()[-1]
    assert entry.after["title_fr"] == "Un résultat" and entry.before["title_fr"] is None
    stale = client.post("/plan/translations", data={"seen": seen, field: "Autre"})
    assert stale.status_code == 409
    db.session.refresh(outcome)
    assert outcome.title_fr == "Un résultat"


@pytest.mark.parametrize("role", ["staff", "board"])
def test_translation_page_refused(client_as, role):
    assert client_as(role).get("/plan/translations").status_code == 403
    assert client_as(role).post("/plan/translations", data={}).status_code == 403


def test_overview_in_french(client_as):
    html = client_as("secretary_general").get("/overview/?year=2022",
                                              headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Chiffres clés" in html and "Le plan en détail" in html and "Headline figures" not in html


def test_editing_an_indicator_in_french_keeps_its_english_name(app, client_as, make_indicator):
    """The edit form shows (and so saves back) the English name, not the French one a French reader sees."""
    indicator = make_indicator(code="I18N-1", name="Cities engaged")
    indicator.name_fr = "Villes engagées"
    db.session.commit()
    html = client_as("secretary_general").get(f"/indicators/{indicator.id}/edit",
                                              headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'value="Cities engaged"' in html and 'value="Villes engagées"' not in html
