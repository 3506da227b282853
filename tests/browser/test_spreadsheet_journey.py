"""An M&E officer in French: download the 2022 IPTT, fill the import template, see its problem, fix it, import."""
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.helpers import click_and_wait
from tests.browser.liveserver import serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A live tracker of this module's own: the journey imports activities, the shared one stays as it was."""
    with serving(tmp_path_factory.mktemp("live-spreadsheets")) as server:
        yield server


@pytest.fixture
def french(page, login_as):
    """A staff member's page after they chose French on their account page."""
    login_as(page, "staff")
    page.goto("/account")
    page.get_by_role("combobox", name="Language").select_option("fr")
    click_and_wait(page, page.get_by_role("button", name="Save the language"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    return page


def _download(page, link) -> bytes:
    """The file a click on the link downloads."""
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path()).read_bytes()


def _sheet_with(template: bytes, title: str, outcomes: str) -> bytes:
    """The downloaded template with its example row replaced by one activity of ours."""
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    row = {"title": title, "kind": "training", "status": "completed", "start_date": "2022-06-14",
           "end_date": "2022-06-15", "outcomes": outcomes, "members": "Seoul", "participants_total": 30,
           "participants_women": 16, "participants_men": 14, "participants_other": 0}
    for column, name in enumerate(header, start=1):
        sheet.cell(row=2, column=column, value=row.get(name))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(page, name: str, content: bytes) -> None:
    page.goto("/imports/activities/")
    page.get_by_label("Tableur des activités").set_input_files(
        {"name": name, "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "buffer": content})
    click_and_wait(page, page.get_by_role("button", name="Voir l’aperçu de l’importation"))


def test_download_the_iptt_then_fix_and_import_a_sheet(french):
    page = french
    page.goto("/indicators/?year=2022")
    iptt = load_workbook(io.BytesIO(_download(page, page.get_by_role("link", name="Tableau de suivi 2022 (XLSX)"))))
    sheet = iptt.worksheets[0]
    assert sheet.freeze_panes and sheet.auto_filter.ref  # a header an officer can sort and filter
    headers = [str(cell.value) for row in sheet.iter_rows(max_row=3) for cell in row if cell.value]
    assert "Valeur de référence" in " ".join(headers), headers  # the headers speak the officer's language

    page.goto("/imports/activities/")
    template = _download(page, page.get_by_role("link", name="modèle Excel"))
    _upload(page, "formations.xlsx", _sheet_with(template, "Formation MITI sur les données", "L9.A9.O9"))
    problem = page.locator("[data-problem=outcomes]")
    expect(problem).to_contain_text("L9.A9.O9")  # the problem stands next to its cell
    assert page.get_by_role("button", name="Importer").is_visible()

    _upload(page, "formations-corrige.xlsx", _sheet_with(template, "Formation MITI sur les données", "L2.A2.O3"))
    expect(page.locator("[data-problem]")).to_have_count(0)
    click_and_wait(page, page.get_by_role("button", name="Importer"))
    expect(page.locator("body")).to_contain_text("1 activité importée")
    page.goto("/activities/?q=MITI")
    expect(page.get_by_role("link", name="Formation MITI sur les données")).to_be_visible()
    assert page.console_log.errors == []
