"""Lookups over the reference lists."""
from functools import lru_cache

import pycountry


@lru_cache(maxsize=None)
def country_name(alpha2: str) -> str:
    """Common English name of a country from its ISO code."""
    country = pycountry.countries.get(alpha_2=alpha2)
    if country is None:
        return alpha2
    return getattr(country, "common_name", None) or country.name
