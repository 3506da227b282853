"""The executive summary's first draft, written from the data by rules and templates (no language model).

The Secretary General edits it in the tracker before marking the report final; until she does, the report
prints this draft and says that it was drafted from the data, so the summary is never empty. Each sentence is one
message with placeholders, so French and Spanish order their words as they must.
"""
from flask_babel import gettext as _
from flask_babel import ngettext

from .scorecard import CONCERNS, GOOD, label

MAX_NAMED = 6  # outcomes named in one sentence; the scorecard lists them all


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
    named = "; ".join(f"{o['code']} ({o['short']})" for o in items[:MAX_NAMED])
    more = len(items) - MAX_NAMED
    return ngettext("%(outcomes)s; and %(num)s more", "%(outcomes)s; and %(num)s more", more,
                    outcomes=named) if more > 0 else named


def _standing(year: int, tally: dict, total: int) -> str:
    """How the outcomes stand, in one sentence (and one more for those not assessed)."""
    good = tally.get("achieved", 0) + tally.get("on_track", 0)
    parts = ", ".join(f"{tally[s]} {label(s).lower()}" for s in ("achieved", "on_track", "needs_attention",
                                                                 "off_track", "not_started") if tally.get(s))
    if parts:
        sentence = _("In %(year)s, %(good)s of the %(total)s outcomes of the plan were achieved or on track "
                     "(%(spread)s).", year=year, good=good, total=total, spread=parts)
    else:
        sentence = _("In %(year)s, %(good)s of the %(total)s outcomes of the plan were achieved or on track.",
                     year=year, good=good, total=total)
    waiting = tally.get("pending", 0) + tally.get("none", 0)
    if waiting:
        sentence += " " + ngettext("%(num)s outcome has no approved assessment yet.",
                                   "%(num)s outcomes have no approved assessment yet.", waiting)
    return sentence


def _delivery(year: int, figures: list[dict]) -> str:
    """The headline figures with their change since last year, in one or two sentences."""
    by_key = {f["key"]: f for f in figures}
    delivered = by_key.get("delivery")
    changes = "; ".join(
        _("%(figure)s %(value)s (%(change)s on %(year)s)", figure=f["label"].lower(), value=f["value"],
          change=f["change"], year=year - 1) if f.get("change") else f"{f['label'].lower()} {f['value']}"
        for key in ("members_engaged", "partners_engaged", "participants") if (f := by_key.get(key)))
    if delivered and changes:
        return _("Of the activities in the %(year)s work plan, %(delivered)s were completed; %(figures)s.",
                 year=year, delivered=delivered["value"], figures=changes)
    if delivered:
        return _("Of the activities in the %(year)s work plan, %(delivered)s were completed.", year=year,
                 delivered=delivered["value"])
    return f"{changes[:1].upper()}{changes[1:]}." if changes else ""


def _concern(o: dict) -> str:
    """An outcome off track or not started: its status, its stated difficulties, who is responsible."""
    who = ", ".join(o["responsible"]) or _("no one is assigned yet")
    status = label(o["status"]).lower()
    if o.get("difficulties"):
        return _("%(code)s (%(title)s) is %(status)s. Stated difficulties: %(difficulties)s Responsible: %(who)s.",
                 code=o["code"], title=o["short"], status=status, who=who,
                 difficulties=_ending(_first_sentence(o["difficulties"])))
    return _("%(code)s (%(title)s) is %(status)s. Responsible: %(who)s.", code=o["code"], title=o["short"],
             status=status, who=who)


def _ending(sentence: str) -> str:
    """A quoted sentence that ends with its stop (the author's own, or one added)."""
    return sentence if sentence.endswith((".", "!", "?", "…")) else sentence + "."


def draft(year: int, outcomes: list[dict], figures: list[dict], total: int, final: bool = False) -> list[str]:
    """The summary's paragraphs: how the outcomes stand, what went well, what is off track, the headline."""
    tally: dict = {}
    for o in outcomes:
        tally[o["status"]] = tally.get(o["status"], 0) + 1
    paragraphs = [] if final else [_standing(year, tally, total)]  # the final one opens with promised()
    good = [o for o in outcomes if o["status"] in GOOD and o["change"] in ("better", "new")] or \
        [o for o in outcomes if o["status"] == "achieved"]
    if good:
        paragraphs.append(_("What went well: %(outcomes)s.", outcomes=_names(good)))
    concerns = [o for o in outcomes if o["status"] in CONCERNS]
    paragraphs += [_concern(o) for o in concerns]
    if not concerns:
        paragraphs.append(_("No outcome is off track or not started."))
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
    text = _("The plan promised %(outcomes)s outcomes under %(lines)s action lines and %(axes)s axes.",
             outcomes=len(outcomes), lines=len(plan["lines"]), axes=axes)
    text += " " + _("By %(year)s, in their latest approved assessment, %(achieved)s were achieved and %(on_track)s "
                    "on track; %(attention)s needed attention, %(off_track)s were off track and %(not_started)s "
                    "had not started.", year=last, achieved=tally.get("achieved", 0),
                    on_track=tally.get("on_track", 0), attention=tally.get("needs_attention", 0),
                    off_track=tally.get("off_track", 0), not_started=tally.get("not_started", 0))
    if reached:
        text += " " + _("%(reached)s of the %(count)s plan-wide indicators met their %(year)s target (%(codes)s).",
                        reached=len(reached), count=len(indicators), year=last,
                        codes=", ".join(i["code"] for i in reached))
    elif indicators:
        text += " " + _("%(reached)s of the %(count)s plan-wide indicators met their %(year)s target.",
                        reached=0, count=len(indicators), year=last)
    return text
