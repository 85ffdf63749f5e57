"""Country names as records print them → ISO 3166-1 alpha-2 codes.

pycountry carries the ISO tables; this module adds the short names film credits actually use ("Russia",
"Turkey", "UK") and the historical countries a film archive meets (ISO 3166-3: USSR, Yugoslavia…), which keep
their former codes.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry

# Names in common use that ISO's tables spell otherwise. Keys are casefolded.
ALIASES: dict[str, str] = {
    "russia": "RU",
    "turkey": "TR",
    "türkiye": "TR",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "usa": "US",
    "u.s.a.": "US",
    "us": "US",
    "macedonia": "MK",
    "fyr macedonia": "MK",
    "kosovo": "XK",
    "palestine": "PS",
    "czechia": "CZ",
    "holland": "NL",
    "the netherlands": "NL",
    "vatican": "VA",
    "ivory coast": "CI",
    "south korea": "KR",
    "north korea": "KP",
    "iran": "IR",
    "syria": "SY",
    "laos": "LA",
    "moldova": "MD",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "taiwan": "TW",
    "vietnam": "VN",
    "west germany": "DE",
    "federal republic of germany": "DE",
    "east germany": "DD",
    "gdr": "DD",
    "ussr": "SU",
    "soviet union": "SU",
    "yugoslavia": "YU",
    "czechoslovakia": "CS",
    "serbia and montenegro": "CS",
}

# Names for the codes pycountry keeps only among historic countries, or not at all.
EXTRA_NAMES: dict[str, str] = {
    "XK": "Kosovo",
    "SU": "Soviet Union",
    "YU": "Yugoslavia",
    "CS": "Czechoslovakia",
    "DD": "East Germany",
}


@lru_cache(maxsize=4096)
def country_code(name: str) -> str | None:
    """The ISO 3166-1 alpha-2 code for a country name or code, or ``None`` when it names no country we know."""
    key = " ".join(name.split()).casefold()
    if not key:
        return None
    if key in ALIASES:
        return ALIASES[key]
    if len(key) == 2 and key.isalpha():
        code = key.upper()
        return code if code in EXTRA_NAMES or pycountry.countries.get(alpha_2=code) else None
    try:
        return str(pycountry.countries.lookup(key).alpha_2)
    except LookupError:
        return None


@lru_cache(maxsize=512)
def country_name(code: str) -> str:
    """The English short name of a country code (``BE`` → ``Belgium``)."""
    if code in EXTRA_NAMES:
        return EXTRA_NAMES[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:  # pragma: no cover - codes only ever come from country_code()
        return code
    return str(getattr(country, "common_name", None) or country.name)
