"""The one folding of text that search, facets and sorting share, and the only way user text becomes FTS5 syntax.

Why fold ourselves as well as use FTS5's ``unicode61 remove_diacritics 2``: the tokenizer drops combining marks,
but letters that carry no combining mark (``ø``, ``ł``, ``đ``, ``æ``, ``ß``) stay themselves, so "lodz" would not
find "Łódź". Folding the indexed text and the query with the same function makes both sides meet, whatever the
tokenizer does; the tokenizer's own folding then only repeats what was done.
"""

from __future__ import annotations

import re
import unicodedata

# Letters NFKD leaves whole, written as the Latin letters a reader types for them.
LETTERS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i",
                         "ħ": "h", "ŧ": "t", "ŋ": "n", "ſ": "s"})
LETTER_PAIRS = tuple((chr(code), latin) for code, latin in LETTERS.items())
WORD = re.compile(r"\w+(\*)?")
MAX_TERMS = 16
MAX_QUERY_CHARS = 500


def fold(text: str) -> str:
    """``text`` case- and accent-folded: ``Ruben Östlund`` → ``ruben ostlund``, ``Illégal`` → ``illegal``,
    ``Łódź`` → ``lodz``, ``Straße`` → ``strasse``. Scripts without a Latin reading (Cyrillic, CJK…) stay as they
    are, folded for case.

    >>> fold("Ruben Östlund"), fold("ŁÓDŹ"), fold("Straße")
    ('ruben ostlund', 'lodz', 'strasse')
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped.translate(LETTERS))


def index_text(text: str) -> str:
    """Text as the FTS5 table stores it: case-folded and with the letters NFKD leaves whole written out, the rest
    of the accents left to the tokenizer (``remove_diacritics 2`` drops them as it splits words). The same words
    as :func:`fold` gives a query, at a tenth of its cost on a long synopsis.

    >>> index_text("Ruben Östlund, Łódź")
    'ruben östlund, lódź'
    """
    folded = text.casefold()
    if folded.isascii():  # (every letter LETTERS writes out is not ASCII)
        return folded
    for letter, latin in LETTER_PAIRS:  # a search per letter is a tenth of ``translate``'s lookup per character
        if letter in folded:
            folded = folded.replace(letter, latin)
    return folded


def match_expression(text: str) -> str:
    """What a visitor typed as an FTS5 MATCH expression that means "all these words": each word folded and
    quoted as an FTS5 string (so ``"``, ``AND(``, ``NEAR``, ``*`` or ``:`` are words or nothing, never syntax), a
    word typed with a trailing ``*`` kept as a prefix (``illeg*``). At most ``MAX_TERMS`` words of the first
    ``MAX_QUERY_CHARS`` characters; "" when nothing searchable is left (then nothing matches).

    >>> match_expression('illeg* "AND( NEAR')
    '"illeg"* "and" "near"'
    """
    terms = []
    for found in WORD.finditer(fold(text[:MAX_QUERY_CHARS])):
        word = found.group(0).rstrip("*")
        if not word:
            continue
        terms.append(f'"{word}"' + ("*" if found.group(1) else ""))
        if len(terms) == MAX_TERMS:
            break
    return " ".join(terms)
