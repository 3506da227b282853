"""Lookups over the reference lists, and their names in the reader's language."""
from functools import lru_cache

import pycountry
from babel import Locale
from flask_babel import lazy_gettext as _l

from ..core.i18n import DEFAULT_LANGUAGE, current_language

# The Metropolis regions as people read them (the English name is also the stored value and the filters' value).
REGION_LABELS = {
    "Africa": _l("Africa"),
    "Asia-Pacific": _l("Asia-Pacific"),
    "Europe": _l("Europe"),
    "Latin America and the Caribbean": _l("Latin America and the Caribbean"),
    "North America": _l("North America"),
}

# What kind of organisation a partner is, and where the tracker learnt of it (stored values -> words).
PARTNER_KINDS = {
    "UN agency": _l("UN agency"),
    "award": _l("award"),
    "city network": _l("city network"),
    "multilateral": _l("multilateral"),
    "national association": _l("national association"),
    "national government": _l("national government"),
    "other": _l("other"),
    "think tank": _l("think tank"),
}
PARTNER_SOURCES = {"directory": _l("directory"), "mission report": _l("mission report"), "plan": _l("plan")}


def label_of(table: dict, value: str | None) -> str:
    """A stored value's words in the reader's language (an unknown value as stored)."""
    return str(table.get(value, value or ""))


def region_name(region: str) -> str:
    """A region's name in the reader's language (an unknown one as stored)."""
    return str(REGION_LABELS.get(region, region))


def country_name(alpha2: str, language: str | None = None) -> str:
    """A country's common name from its ISO code, in the reader's language (or the one given)."""
    return _country_name(alpha2, language or current_language())


@lru_cache(maxsize=None)
def _country_name(alpha2: str, language: str) -> str:
    """A country's common name in a language: pycountry's English, Babel's (CLDR) names for the others."""
    if language != DEFAULT_LANGUAGE:
        name = Locale.parse(language).territories.get(alpha2.upper())
        if name:
            return name
    country = pycountry.countries.get(alpha_2=alpha2)
    if country is None:
        return alpha2
    return getattr(country, "common_name", None) or country.name
