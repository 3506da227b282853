"""English, French and Spanish: every string marked, every marked string translated, every page in each language."""
from html.parser import HTMLParser

import pytest
from babel.messages.mofile import read_mo

from tracker.core.i18n import LANGUAGES

from . import i18n_check
from .test_access import _requests, _url, world  # noqa: F401  (world: the records every route's URL names)

ROLES_SEEN = ("admin", "staff", "board")  # admin reaches every page but the Board's and staff's own views


def test_every_template_string_is_marked():
    assert i18n_check.unmarked_template_strings() == []


def test_every_user_facing_string_of_the_code_is_marked():
    assert i18n_check.unmarked_python_strings() == []


@pytest.mark.parametrize("language", i18n_check.TARGET_LANGUAGES)
def test_the_catalogue_translates_every_marked_string(language):
    messages = i18n_check.extracted_messages()
    assert len(messages) > 500  # the extraction found the code's and the templates' strings
    assert i18n_check.untranslated_messages(language, messages) == []


def test_the_finders_catch_what_they_look_for(tmp_path):
    """An unmarked heading, attribute and literal are found; a marked one, a code and a tag are not."""
    template = tmp_path / "page.html"
    template.write_text('<h1>Outcomes</h1><input placeholder="Search">{{ macros.button("Save now") }}\n'
                        '<p>{{ _("Marked") }} {{ outcome.code }} {{ field(x, _("Nested")) }}</p>'
                        '{% trans %}Also marked{% endtrans %}'
                        '<a class="btn btn-primary" href="{{ url_for(\'plan.index\') }}">L1.A2</a>')
    found = i18n_check.unmarked_template_strings([template])
    assert [line.split(": ", 1)[1] for line in found] == ["Outcomes", "Search", "Save now"]
    module = tmp_path / "views.py"
    module.write_text('flash("Saved.")\nflash(_("Marked."))\nSTATUS_LABELS = {"done": "Completed"}\n'
                      'name = StringField("Name", validators=[DataRequired(message=_l("Give a name."))])\n')
    found = i18n_check.unmarked_python_strings([module])
    assert [line.split(": ", 1)[1] for line in found] == ["'Saved.'", "'Completed'", "'Name'"]


class _VisibleText(HTMLParser):
    """The text nodes a reader sees, outside script, style and passages marked as English (the plan's fallbacks)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.lang = None
        self._stack: list[tuple[str, bool]] = []  # (tag, hidden from the check)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        hidden = tag in ("script", "style") or attrs.get("lang") == "en" or any(h for _, h in self._stack[-1:])
        if tag not in ("br", "img", "input", "meta", "link", "hr", "source", "wbr", "col"):
            self._stack.append((tag, hidden))
        if not hidden:
            self.texts += [attrs[name] for name in ("title", "placeholder", "aria-label", "alt") if attrs.get(name)]

    def handle_endtag(self, tag):
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not any(h for _, h in self._stack[-1:]) and data.strip():
            self.texts.append(" ".join(data.split()))


def _english_only(language: str) -> set[str]:
    """The English messages the compiled catalogue translates into something else: on a page, they were missed."""
    path = i18n_check.CATALOGUES / language / "LC_MESSAGES" / "messages.mo"
    with path.open("rb") as handle:
        catalogue = read_mo(handle)
    return {message.id for message in catalogue if isinstance(message.id, str) and message.id
            and message.string and message.string != message.id}


@pytest.mark.parametrize("language", i18n_check.TARGET_LANGUAGES)
@pytest.mark.parametrize("role", ROLES_SEEN)
def test_every_page_reads_in_the_language(app, client_as, world, language, role):  # noqa: F811
    """Every page a role may open, asked for in French or Spanish: answered in it, no English message left."""
    assert language in LANGUAGES
    english = _english_only(language)
    client = client_as(role)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = f"{language},en;q=0.5"
    values = world(client.user)
    wrong, pages = [], 0
    for endpoint, rule, method in _requests(app):
        if method != "GET" or role not in app.view_functions[endpoint].allowed_roles:
            continue
        url = _url(app, rule, values)
        with client.get(url, follow_redirects=True) as response:
            if response.status_code >= 500:
                wrong.append((url, response.status_code))
            if not response.mimetype == "text/html" or response.status_code >= 400:
                continue
            pages += 1
            page = _VisibleText()
            page.feed(response.get_data(as_text=True))
        if page.lang != language:
            wrong.append((url, f"<html lang={page.lang!r}>"))
        wrong += [(url, text) for text in page.texts if text in english]
    assert pages > 10
    assert not wrong, "\n".join(map(str, wrong))
