"""Finders of user-facing English that would reach a French or Spanish reader untranslated.

Three checks share this module: strings the templates show without marking them for translation, strings the
Python code hands to people without marking them, and marked strings a catalogue does not translate. Run it as a
script to list what is left (`python -m tests.i18n_check [paths...]`); tests/test_translations.py fails on any.
"""
import ast
import os
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from jinja2 import Environment

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
CODE = ROOT / "tracker"
CATALOGUES = ROOT / "tracker" / "translations"
TARGET_LANGUAGES = ("fr", "es")

WORDS = re.compile(r"[^\W\d_]{2,}")  # two letters in a row, in any script: a word someone reads
PLACEHOLDER = " "  # stands for a Jinja expression or tag: a space keeps `<td{% if x %} class="y"{% endif %}>` a tag
# Attributes whose value a person reads (or hears, with a screen reader).
READ_ATTRIBUTES = frozenset({"title", "placeholder", "aria-label", "alt", "aria-description", "data-confirm",
                             "aria-roledescription", "label"})
# What the text of a template may be without translation: proper names and symbols of the association.
UNTRANSLATED_TEXT = frozenset({"Metropolis", "UTC", "PDF", "CSV", "XLSX", "JSON", "API", "OpenAPI", "Swagger UI",
                               "English", "Français", "Español", "EUR", "ID", "TOTP", "SAP", "IPTT"})
# A string literal inside a template tag that reads as prose: a capital then a small letter, or words and a stop.
PROSE = re.compile(r"^[A-Z][a-z]+(?:[ ,.;:!?'’-]|$)|^[a-z]+( [a-z]+)+[.?!:]?$")


# Elements whose text is not prose: scripts and styles, and code shown as it must be typed (an HTTP header, a command).
SILENT_ELEMENTS = frozenset({"script", "style", "code", "kbd", "samp"})


class _TextFinder(HTMLParser):
    """Collect the text and the read attributes of an HTML skeleton, outside script and style."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in SILENT_ELEMENTS:
            self._skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self._keep(value)
        if tag == "input":
            kind = dict(attrs).get("type")
            if kind in ("submit", "button", "reset") and dict(attrs).get("value"):
                self._keep(dict(attrs)["value"])

    def handle_endtag(self, tag):
        if tag in SILENT_ELEMENTS and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._keep(data)

    def _keep(self, text: str) -> None:
        text = " ".join(text.split())
        if WORDS.search(text) and text not in UNTRANSLATED_TEXT:
            self.found.append((self.getpos()[0], text))


def _skeleton(env: Environment, source: str) -> tuple[str, list[tuple[int, str]]]:
    """The template's HTML with every Jinja tag replaced by a placeholder (and trans blocks dropped), and the
    prose-looking string literals of its tags that no gettext call wraps."""
    parts: list[str] = []
    literals: list[tuple[int, str]] = []
    in_trans = False
    previous: list[tuple[str, str]] = []  # the tokens of the current tag so far
    for lineno, kind, value in env.lex(source):
        # Newlines are kept everywhere so that the parser's line numbers stay the template's.
        if kind == "data":
            parts.append("\n" * value.count("\n") + PLACEHOLDER if in_trans else value)
            continue
        parts.append("\n" * value.count("\n"))
        if kind == "whitespace":
            continue
        if kind in ("block_begin", "variable_begin"):
            previous = []
        if kind == "name" and previous and previous[-1][0] == "block_begin" and value in ("trans", "endtrans"):
            in_trans = value == "trans"
        if kind == "string" and _prose(value[1:-1]) and not _wrapped(previous):  # the raw token keeps its quotes
            literals.append((lineno, value[1:-1]))
        previous.append((kind, value))
        if kind in ("block_end", "variable_end"):
            parts.append(PLACEHOLDER)
    return "".join(parts), literals


def _prose(text: str) -> bool:
    """Whether a literal reads as words for people."""
    return bool(PROSE.search(text)) and text not in UNTRANSLATED_TEXT


def _wrapped(previous: list[tuple[str, str]]) -> bool:
    """Whether the string literal after these tokens is an argument of a gettext call (_, gettext, ngettext)."""
    depth = 0
    for index in range(len(previous) - 1, -1, -1):
        kind, value = previous[index]
        if kind == "operator" and value == ")":
            depth += 1
        elif kind == "operator" and value == "(":
            if depth == 0:
                return index > 0 and previous[index - 1] in GETTEXT_TOKENS
            depth -= 1
    return False


GETTEXT_TOKENS = (("name", "_"), ("name", "gettext"), ("name", "ngettext"), ("name", "pgettext"))


def unmarked_template_strings(paths=None) -> list[str]:
    """Every piece of text a template shows that no gettext call or trans block marks, as 'file:line: text'."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    problems = []
    files = paths or sorted(p for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".txt"))
    for path in files:
        path = Path(path).resolve()
        skeleton, literals = _skeleton(env, path.read_text(encoding="utf-8"))
        finder = _TextFinder()
        finder.feed(skeleton)
        finder.close()
        name = _name(path)
        problems += [f"{name}:{line}: {text}" for line, text in finder.found + literals]
    return problems


def _name(path: Path) -> str:
    """A file's name from the project's root (or as given, for a file elsewhere)."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


# Calls whose string arguments reach a person: messages, refusals, domain errors, form fields and validators.
MESSAGE_CALLS = frozenset({"flash", "refuse", "Invalid", "NotAllowed", "Conflict", "Unavailable", "ReviewError",
                           "DomainError", "ValidationError", "StopValidation", "DataRequired", "InputRequired",
                           "Optional", "Length", "NumberRange", "Email", "URL", "Regexp", "EqualTo", "AnyOf",
                           "NoneOf", "FileRequired", "FileAllowed", "FileSize", "abort"})
# Keyword arguments that carry words people read.
MESSAGE_KEYWORDS = frozenset({"message", "label", "description", "placeholder", "link_label", "subject", "title",
                              "reason", "hint"})
GETTEXT_NAMES = frozenset({"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "pgettext"})


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _is_words(node) -> bool:
    """A literal (or f-string) that holds words: what a gettext call should have wrapped."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(WORDS.search(node.value)) and " " in node.value.strip() or bool(PROSE.search(node.value))
    return isinstance(node, ast.JoinedStr)


def _labels(node: ast.AST) -> list[ast.AST]:
    """The label of each (value, label) pair of a choices list or tuple."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        return []
    return [pair.elts[1] for pair in node.elts if isinstance(pair, ast.Tuple) and len(pair.elts) == 2]


class _PythonFinder(ast.NodeVisitor):
    """Find user-facing literals outside gettext calls in one module."""

    def __init__(self, name: str):
        self.name = name
        self.found: list[str] = []

    def visit_Call(self, node: ast.Call):
        name = _call_name(node)
        if name in GETTEXT_NAMES:
            return  # marked: nothing inside needs looking at
        candidates = []
        if name in MESSAGE_CALLS or name.endswith("Field"):
            candidates += [arg for arg in node.args if not (name == "abort" and isinstance(arg, ast.Constant)
                                                            and isinstance(arg.value, int))]
        for keyword in node.keywords:
            if keyword.arg in MESSAGE_KEYWORDS:
                candidates.append(keyword.value)
            elif keyword.arg == "choices":
                candidates += _labels(keyword.value)
        for candidate in candidates:
            if _is_words(candidate):
                self.found.append(f"{self.name}:{candidate.lineno}: {ast.unparse(candidate)[:80]}")
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign):
        # A module's table of labels (REVIEW_LABELS, STATUS_LABELS, ...): each label is read by people.
        targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        if any(re.search(r"LABELS?$|TITLES?$|CHOICES$|NAMES$|MESSAGES?$", t) for t in targets):
            values = node.value.values if isinstance(node.value, ast.Dict) else _labels(node.value)
            for value in values:
                if _is_words(value):
                    self.found.append(f"{self.name}:{value.lineno}: {ast.unparse(value)[:80]}")
        self.generic_visit(node)


# Modules whose words are for operators at a terminal, not for the tracker's readers (the command line's help and
# its messages stay English, as the server logs do).
# The OpenAPI document (tracker/api/) is written for developers, in English like the code it describes; the API's
# error messages are marked like the pages' (they are found by their calls, not by this list).
OPERATOR_MODULES = ("cli.py", "demo/", "backup/", "reports/fonts/", "api/blueprint.py")


def unmarked_python_strings(paths=None) -> list[str]:
    """Every user-facing literal of the code that no gettext call marks, as 'file:line: text'."""
    problems = []
    for path in paths or sorted(CODE.rglob("*.py")):
        path = Path(path).resolve()
        name = _name(path)
        if any(part in name for part in OPERATOR_MODULES):
            continue
        finder = _PythonFinder(name)
        finder.visit(ast.parse(path.read_text(encoding="utf-8")))
        problems += finder.found
    return problems


PLACEHOLDERS = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{\w*\}")


def _not_hidden(dirpath: str) -> bool:
    """Look in every folder but hidden ones (Babel's default also skips "_" ones: templates/_macros)."""
    return not os.path.basename(dirpath).startswith(".")


CONTEXT_MARK = "\x04"  # between a message's context and its msgid, as gettext itself joins them


def extracted_messages() -> dict[str, tuple[str, ...]]:
    """Every message the code and templates mark, as msgid (or "context\x04msgid") -> the places it is marked."""
    method_map = [("tracker/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    keywords = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2),
                "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
    messages: dict[str, tuple[str, ...]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, keywords=keywords, directory_filter=_not_hidden):
        if filename.startswith(("tests", ".venv", "bench", "migrations")):
            continue
        key = message if isinstance(message, str) else message[0]
        if key:
            key = f"{context}{CONTEXT_MARK}{key}" if context else key
            messages[key] = messages.get(key, ()) + (f"{filename}:{lineno}",)
    return messages


def untranslated_messages(language: str, messages: dict | None = None) -> list[str]:
    """Marked messages the language's catalogue lacks, leaves empty or fuzzy, or translates with other placeholders."""
    messages = extracted_messages() if messages is None else messages
    path = CATALOGUES / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    problems = []
    for key, places in sorted(messages.items()):
        context, _mark, msgid = key.rpartition(CONTEXT_MARK)
        entry = catalogue.get(msgid, context=context or None)
        strings = [] if entry is None else ([entry.string] if isinstance(entry.string, str) else list(entry.string))
        if entry is None or entry.fuzzy or not strings or not all(s.strip() for s in strings):
            problems.append(f"{language}: {places[0]}: {msgid!r} is not translated")
        elif any(sorted(set(PLACEHOLDERS.findall(s))) != sorted(set(PLACEHOLDERS.findall(msgid))) for s in strings):
            problems.append(f"{language}: {places[0]}: {msgid!r} has other placeholders in its translation")
    return problems



def compile_catalogues() -> None:
    """Compile each catalogue whose .mo is missing or older than its .po (what `make translations` does)."""
    from babel.messages.mofile import write_mo

    for language in TARGET_LANGUAGES:
        source = CATALOGUES / language / "LC_MESSAGES" / "messages.po"
        target = source.with_suffix(".mo")
        if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            continue
        with source.open("rb") as handle:
            catalogue = read_po(handle, locale=language)
        partial = target.with_name(f".{target.name}.{os.getpid()}")  # parallel test processes may compile at once
        with partial.open("wb") as handle:
            write_mo(handle, catalogue)
        os.replace(partial, target)


if __name__ == "__main__":
    wanted = [Path(p) for p in sys.argv[1:]]
    html = [p for p in wanted if p.suffix in (".html", ".txt")]
    code = [p for p in wanted if p.suffix == ".py"]
    found = (unmarked_template_strings(html or None) if html or not wanted else []) + \
        (unmarked_python_strings(code or None) if code or not wanted else [])
    print("\n".join(found) or "Every string is marked.")
    print(f"{len(found)} unmarked", file=sys.stderr)

