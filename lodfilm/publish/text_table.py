"""A query's answer as an aligned table for a terminal: ``lodfilm query --format table``.

Columns are measured in terminal cells, not characters — a CJK title takes two cells a character, a combining
accent none (``wcwidth``, after Unicode's East Asian Width and general categories) — so the columns line up
whatever script the records are in. Where the table is wider than the terminal, the widest columns give way first
and their values are cut with an ellipsis; control characters in a value (a synopsis's line breaks) are shown
escaped, so every row is one line.
"""

from __future__ import annotations

from collections.abc import Sequence

from wcwidth import wcswidth, wcwidth

from lodfilm.errors import one_line
from lodfilm.publish.answers import Answer, Term

GAP = "  "  # between columns
ELLIPSIS = "…"
NARROWEST = 4  # a column is never cut narrower than this (or its whole value, if shorter)


def render(answer: Answer, width: int) -> str:
    """The answer as lines of at most ``width`` terminal cells (where the columns can fit at all), ending with
    how many rows it has: a SELECT's columns, an ASK's ``yes`` or ``no``, a CONSTRUCT's subject, predicate and
    object."""
    if answer.kind == "ask":
        return "yes\n" if answer.boolean else "no\n"
    header = [f"?{c}" for c in answer.columns] if answer.kind == "select" else list(answer.columns)
    body = [[cell_text(term) for term in row] for row in answer.rows]
    widths = fit([max([cells(h), *(cells(row[i]) for row in body)]) for i, h in enumerate(header)], width)
    lines = [line(header, widths), GAP.join("-" * w for w in widths).rstrip()]
    lines += [line(row, widths) for row in body]
    lines.append(count(answer))
    return "\n".join(lines) + "\n"


def count(answer: Answer) -> str:
    unit = "triple" if answer.kind == "graph" else "row"
    n = len(answer.rows)
    said = f"{n:,} {unit}{'' if n == 1 else 's'}"
    return said + (" (cut at the cap: the answer has more)" if answer.truncated else "")


def cell_text(term: Term | None) -> str:
    return "" if term is None else one_line(term.text())


def cells(text: str) -> int:
    """How many terminal cells ``text`` takes (emoji sequences joined by ZWJ as one picture; a character wcwidth
    cannot measure, a control character, as one cell)."""
    whole = wcswidth(text)
    return whole if whole >= 0 else sum(char_cells(c) for c in text)


def char_cells(char: str) -> int:
    size = wcwidth(char)
    return size if size >= 0 else 1


def fit(natural: Sequence[int], width: int) -> list[int]:
    """Column widths that fit ``width`` cells with the gaps between them: the widest columns are narrowed to a
    common cap, the narrow ones keep their natural width. Where even the narrowest allowed widths do not fit,
    those are used (the terminal wraps)."""
    room = width - len(GAP) * max(0, len(natural) - 1)
    if sum(natural) <= room:
        return list(natural)
    floors = [min(w, NARROWEST) for w in natural]
    if sum(floors) >= room:
        return floors
    low, high = 0, max(natural)  # the largest cap under which the columns fit: binary search
    while low < high:
        cap = (low + high + 1) // 2
        if sum(max(f, min(w, cap)) for w, f in zip(natural, floors, strict=True)) <= room:
            low = cap
        else:
            high = cap - 1
    widths = [max(f, min(w, low)) for w, f in zip(natural, floors, strict=True)]
    spare = room - sum(widths)
    for i, w in enumerate(natural):  # the cells the cap left over go to the first columns that were cut
        if spare and widths[i] < w:
            widths[i] += 1
            spare -= 1
    return widths


def line(values: Sequence[str], widths: Sequence[int]) -> str:
    return GAP.join(pad(cut(v, w), w) for v, w in zip(values, widths, strict=True)).rstrip()


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells: whole where it fits, else its start and an ellipsis."""
    if cells(text) <= width:
        return text
    kept: list[str] = []
    used = 0
    for char in text:  # character by character (fast), then measured whole (a ZWJ sequence is narrower)
        size = char_cells(char)
        if used + size > width - 1:
            break
        kept.append(char)
        used += size
    while kept and cells("".join(kept)) > width - 1:
        kept.pop()
    return "".join(kept) + ELLIPSIS


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cells(text))
