"""Accessibility checks with axe-core, run inside the page (the axe.min.js bundled with axe-playwright-python)."""
from axe_playwright_python.sync_playwright import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("serious", "critical")

_axe = Axe()  # reads the bundled axe.min.js once; nothing is fetched from the network


def axe_violations(page, context=None) -> list[dict]:
    """Run axe-core with the WCAG 2.1 A and AA rules on the page and return its violations."""
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return _axe.run(page, context=context, options=options).response["violations"]


def format_violations(violations: list[dict]) -> str:
    """One paragraph per violation: rule id, impact, help text and every offending node."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}: {node.get('failureSummary', '').strip().replace(chr(10), ' ')}")
            lines.append(f"       {node.get('html', '')[:200]}")
    return "\n".join(lines)


def assert_accessible(page, context=None) -> None:
    """Fail listing every serious or critical WCAG 2.1 A/AA violation axe-core finds on the page."""
    blocking = [v for v in axe_violations(page, context) if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, (f"{len(blocking)} serious or critical accessibility violation(s) on {page.url}:\n"
                          + format_violations(blocking))
