"""Activities and evidence in French and Spanish: the pages, the form's messages and the upload checks read in the
reader's language."""
import html
import io
from datetime import date

import pytest
from flask_babel import force_locale

from tracker.evidence import validation


def _get(client, url: str, language: str) -> str:
    """A page as a browser preferring `language` receives it, its character references read (&#39; as ')."""
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_the_list_speaks_french_kinds_and_statuses_included(client_as, make_activity):
    make_activity(title="Débat sur le logement", kind="policy_debate", status="in_progress")
    page = _get(client_as("staff"), "/activities/", "fr")
    for french in ("Nouvelle activité", "Effacer les filtres", "Débat politique", "En cours", "Toutes les années",
                   "<strong>1</strong> activité ; affichage 1–1."):
        assert french in page
    # (the plan's own English stays: an outcome's title speaks of "Policy debates")
    for english in ("New activity", "Clear filters", ">Policy debate<", ">In progress<", ">policy_debate<",
                    "Any year"):
        assert english not in page


def test_the_result_count_follows_french_and_spanish_plurals(client_as, make_activity):
    for n in range(3):
        make_activity(title=f"Mission {n}", kind="mission")
    client = client_as("board")
    assert "<strong>3</strong> activités correspondent aux filtres" in _get(client, "/activities/?kind=mission", "fr")
    assert "<strong>3</strong> actividades coinciden con los filtros" in _get(client, "/activities/?kind=mission",
                                                                              "es")
    assert "<strong>0</strong> actividades coinciden con los filtros." in _get(client, "/activities/?kind=event",
                                                                               "es")


def test_an_activity_page_speaks_spanish(client_as, make_activity):
    client = client_as("admin")
    activity = make_activity(title="Formación en Quito", kind="training", status="completed", participants=30,
                             women=18, men=12, planned=1500, spent=1200, start=date(2022, 5, 4))
    page = _get(client, f"/activities/{activity.id}", "es")
    for spanish in ("Formación o sesión de aprendizaje", "Completada", "Participantes", "Mujeres",
                    "Presupuesto (EUR)", "Previsto", "Gastado", "Historial", "Editar", "(año del plan 2022)",
                    "Evidencias", "Añadir una evidencia", "Tipo de evidencia", "Archivo", "Enlace", "Nota"):
        assert spanish in page
    for english in ("Training or learning session", "Participants", "Women's share", "History", "Add evidence",
                    "Kind of evidence"):
        assert english not in page


def test_the_form_and_its_messages_speak_french(client_as):
    client = client_as("staff")
    page = _get(client, "/activities/new", "fr")
    for french in ("Nouvelle activité", "Titre", "Date de début", "Choisissez un type", "Membres impliqués",
                   "Enregistrer l'activité", "Filtrer la liste : membres impliqués"):
        assert french in page
    response = client.post("/activities/new", data={"title": "", "kind": "event", "status": "planned",
                                                   "start_date": "2022-13-40", "budget_planned": "-5"},
                           headers={"Accept-Language": "fr"})
    page = html.unescape(response.get_data(as_text=True))
    for french in ("Donnez un titre à l'activité.", "Saisissez une date au format AAAA-MM-JJ",
                   "Un montant ne peut pas être négatif.", "Rien n'a été enregistré"):
        assert french in page
    assert "Give the activity a title." not in page and "Nothing was saved" not in page


def test_upload_checks_answer_in_the_readers_language(app):
    svg = io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>")
    with app.test_request_context(), force_locale("es"):
        with pytest.raises(validation.Refused, match="No se aceptan enlaces que empiecen por «javascript:»"):
            validation.check_url("javascript:alert(1)")
        with pytest.raises(validation.Refused, match=r"no es realmente de tipo «imagen PNG» \(parece una imagen SVG\)"):
            validation.check_upload(svg, "logo.png", 10_000)
    with app.test_request_context(), force_locale("fr"):
        with pytest.raises(validation.Refused, match="Les fichiers se terminant par .exe ne sont pas acceptés"):
            validation.check_upload(io.BytesIO(b"MZ"), "tool.exe", 10_000)


def test_english_stays_as_written(client_as, make_activity):
    make_activity(title="Debate", kind="policy_debate")
    page = _get(client_as("staff"), "/activities/", "en")
    assert "New activity" in page and "Policy debate" in page and "Débat politique" not in page


