"""Indicators, assessments and the review queue in French and Spanish."""
from html import unescape

import pytest

from tracker.assessments.models import AssignmentRequest
from tracker.extensions import db

CODE = "L2.A2.O3"
# Words each language must show on the area's pages, and the English they replace (never shown then).
WORDS = {
    "fr": {"Indicateurs", "Valeur de référence", "En attente d'examen", "Avancement par année", "Nombre"},
    "es": {"Indicadores", "Línea de base", "Pendiente de revisión", "Avance por año", "Número"},
}
ENGLISH = {"Baseline", "Awaiting review", "Progress per year", "Entered value and review", "Pending: "}


def _in(client, language: str):
    """Ask every page of this client in one language, as a browser set to it would."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = f"{language},en;q=0.5"
    return client


def _page(client, url: str) -> str:
    """The page's text with its entities read (an apostrophe may come as &#39;)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("language", ["fr", "es"])
def test_indicator_pages_read_in_the_language(client_as, make_indicator, make_value,
                                              language):
    sg = _in(client_as("secretary_general"), language)
    indicator = make_indicator(code="L2-GUIDES", name="Guides published", outcome_code=CODE, targets={2022: 10})
    make_value(indicator, 2022, 4, state="submitted")
    html = _page(sg, "/indicators/?year=2022") + _page(sg, f"/indicators/{indicator.id}")
    assert all(word in html for word in WORDS[language])
    assert not [word for word in ENGLISH if word in html]
    assert "Guides published" in html  # an indicator's name stays as it was written


def test_units_methods_and_statuses_are_plain_words(client_as, make_indicator):
    sg = _in(client_as("secretary_general"), "fr")
    computed = make_indicator(code="L2-DEBATES", outcome_code=CODE, method="completed_activities", unit="percent",
                              kinds=["policy_debate"])
    html = _page(sg, f"/indicators/{computed.id}")
    assert "Pourcentage" in html and "Activités terminées" in html and "Plus élevé, c’est mieux" in html
    assert "(types d'activités comptés : Débat politique)" in html and "kinds:" not in html  # a kind by its name
    assert "Calculé à partir du journal des activités" in html


def test_a_refused_value_is_explained_in_the_language(client_as, make_indicator):
    sg = _in(client_as("secretary_general"), "es")
    indicator = make_indicator(code="L2-BRIEFS", outcome_code=CODE)
    response = sg.post(f"/indicators/{indicator.id}/values/2022", data={"value": "", "note": "", "evidence_id": "0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Introduzca un valor." in html and "Enter a value." not in html
    response = sg.post(f"/indicators/{indicator.id}/values/2022", data={"value": "7", "note": "", "evidence_id": "0"},
                       follow_redirects=True)
    assert "Borrador guardado: valor de L2-BRIEFS para 2022. Todavía no se ha enviado." in response.get_data(
        as_text=True)


@pytest.mark.parametrize("language, words, english", [
    ("fr", ("En attente de votre examen", "Approuver la sélection", "Évaluations (1)", "Renvoyer avec une note",
            "Afficher"),
     ("Waiting for your review", "Approve selected", "Return with note")),
    ("es", ("Pendiente de su revisión", "Aprobar la selección", "Evaluaciones (1)", "Devolver con una nota",
            "Mostrar"),
     ("Waiting for your review", "Approve selected", "Return with note")),
])
def test_the_review_queue_reads_in_the_language(client_as, make_user, make_assessment,
                                                language, words, english):
    author = make_user("staff")
    make_assessment(CODE, 2022, state="submitted", author=author, achieved="Work as written by its author.")
    html = _page(_in(client_as("secretary_general"), language), "/assessments/review")
    assert [word for word in words if word not in html] == []
    assert [word for word in english if word in html] == []
    assert "Work as written by its author." in html  # narratives appear as their author wrote them


def test_assessments_and_requests_read_in_french_with_plurals(client_as, make_user,
                                                              make_assessment, find_outcome):
    make_assessment(CODE, 2021, state="returned", achieved="Sent back.")
    sg = _in(client_as("secretary_general"), "fr")
    db.session.add(AssignmentRequest(outcome_id=find_outcome(CODE).id, requester_id=make_user("staff").id))
    db.session.commit()
    html = _page(sg, f"/plan/outcomes/{CODE}")
    assert "Évaluations annuelles" in html and "Renvoyée pour modification" in html
    assert "1 demande d'affectation à L2.A2.O3 attend votre décision" in html
    db.session.add(AssignmentRequest(outcome_id=find_outcome(CODE).id, requester_id=make_user("staff").id))
    db.session.commit()
    assert "2 demandes d'affectation à L2.A2.O3 attendent votre décision" in _page(sg, f"/plan/outcomes/{CODE}")
    html = _page(sg, "/assessments/assignment-requests") + _page(sg, "/assessments/years")
    assert "Demandes d'affectation" in html and "Années du plan" in html and "Verrouiller une année" in html
    assert "Requests to be assigned" not in html and "Plan years" not in html


def test_my_updates_reads_in_spanish(client_as, assign_responsible):
    staff = _in(client_as("staff"), "es")
    assign_responsible(staff.user, CODE)
    html = _page(staff, "/assessments/mine?year=2022")
    assert "Mis actualizaciones · 2022" in html and "Evaluaciones por redactar para 2022 (1)" in html
    assert "My updates ·" not in html and "Assessments to write" not in html
