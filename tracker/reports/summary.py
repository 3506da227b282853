"""The executive summary's first draft, written from the data by rules and templates (no language model).

The Secretary General edits it in the tracker before marking the report final; until she does, the report
prints this draft and says that it was drafted from the data, so the summary is never empty.
"""
from .scorecard import CONCERNS, GOOD, LABELS

MAX_NAMED = 6  # outcomes named in one sentence; the scorecard lists them all


def _plural(count: int, one: str, many: str | None = None) -> str:
    """"1 outcome", "3 outcomes"."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _first_sentence(text: str, limit: int = 220) -> str:
    """The first sentence of a narrative, shortened if it runs long."""
    text = " ".join((text or "").split())
    for end in (". ", "! ", "? "):
        if end in text:
            text = text.split(end, 1)[0] + end.strip()
            break
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _names(items: list[dict]) -> str:
    """Name outcomes by code and short title, the first few, then how many more."""
    named = [f"{o['code']} ({o['short']})" for o in items[:MAX_NAMED]]
    more = len(items) - len(named)
    return "; ".join(named) + (f"; and {more} more" if more > 0 else "")


def _standing(year: int, tally: dict, total: int) -> str:
    """How the outcomes stand, in one sentence."""
    good = tally.get("achieved", 0) + tally.get("on_track", 0)
    parts = [f"{tally[s]} {LABELS[s].lower()}" for s in ("achieved", "on_track", "needs_attention", "off_track",
                                                        "not_started") if tally.get(s)]
    sentence = f"In {year}, {good} of the {total} outcomes of the plan were achieved or on track"
    sentence += f" ({', '.join(parts)})." if parts else "."
    waiting = tally.get("pending", 0) + tally.get("none", 0)
    if waiting:
        sentence += f" {_plural(waiting, 'outcome')} {'has' if waiting == 1 else 'have'} no approved assessment yet."
    return sentence


def _delivery(year: int, figures: list[dict]) -> str:
    """The headline figures with their change since last year, in one or two sentences."""
    by_key = {f["key"]: f for f in figures}
    delivered = by_key.get("delivery")
    text = f"Of the activities in the {year} work plan, {delivered['value']} were completed" if delivered else ""
    changes = [f"{f['label'].lower()} {f['value']}" + (f" ({f['change']} on {year - 1})" if f.get("change") else "")
               for key in ("members_engaged", "partners_engaged", "participants") if (f := by_key.get(key))]
    if changes:
        text += ("; " if text else "") + "; ".join(changes)
    return text + "." if text else ""


def draft(year: int, outcomes: list[dict], figures: list[dict], total: int, final: bool = False) -> list[str]:
    """The summary's paragraphs: how the outcomes stand, what went well, what is off track, the headline."""
    tally: dict = {}
    for o in outcomes:
        tally[o["status"]] = tally.get(o["status"], 0) + 1
    paragraphs = [] if final else [_standing(year, tally, total)]  # the final one opens with promised()
    good = [o for o in outcomes if o["status"] in GOOD and o["change"] in ("better", "new")] or \
        [o for o in outcomes if o["status"] == "achieved"]
    if good:
        paragraphs.append("What went well: " + _names(good) + ".")
    concerns = [o for o in outcomes if o["status"] in CONCERNS]
    for o in concerns:
        who = ", ".join(o["responsible"]) or "no one is assigned yet"
        line = f"{o['code']} ({o['short']}) is {LABELS[o['status']].lower()}"
        if o.get("difficulties"):
            line += f". Stated difficulties: {_first_sentence(o['difficulties'])}"
        paragraphs.append(f"{line.rstrip('.')}. Responsible: {who}.")
    if not concerns:
        paragraphs.append("No outcome is off track or not started.")
    delivery = _delivery(year, figures)
    if delivery:
        paragraphs.append(delivery)
    return paragraphs


def promised(plan: dict, outcomes: list[dict], last: int, indicators: list[dict]) -> str:
    """What the plan promised and what was delivered, by each outcome's latest approved status (final)."""
    axes = sum(len(line["axes"]) for line in plan["lines"])
    tally: dict = {}
    for o in outcomes:
        tally[o["status"]] = tally.get(o["status"], 0) + 1
    reached = [i for i in indicators if i["status"] == "on_track"]
    text = (f"The plan promised {len(outcomes)} outcomes under {len(plan['lines'])} action lines and {axes} axes. "
            f"By {last}, in their latest approved assessment, {tally.get('achieved', 0)} were achieved and "
            f"{tally.get('on_track', 0)} on track; "
            f"{tally.get('needs_attention', 0)} needed attention, {tally.get('off_track', 0)} were off track and "
            f"{tally.get('not_started', 0)} had not started.")
    if indicators:
        text += (f" {len(reached)} of the {len(indicators)} plan-wide indicators met their {last} target"
                 + (f" ({', '.join(i['code'] for i in reached)})." if reached else "."))
    return text
