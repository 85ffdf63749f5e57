"""Charts of the collection drawn as SVG by pygal (https://www.pygal.org/), for pages that embed them with
``<img>``: films per year (a histogram on a year axis, so a gap of years shows as a gap) and co-production
countries (a ranked horizontal bar chart).

Why no script: pygal writes a ``<script>`` into every chart (its tooltip configuration) and, by default, one
loaded from a third-party site. An image never runs script, but a chart opened on its own would, so ``js=[]``
drops the third-party one and an XML filter (``add_xml_filter``) takes the rest out of the tree before it is
written: the SVG holds shapes, text and its own CSS only, and needs nothing from anywhere.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import pygal
from pygal.style import Style

# pygal appends a finder to ``sys.meta_path`` (for ``pygal.maps`` plugins, which lodfilm does not use) that has
# only the ``find_module`` API, so every import no other finder resolves — an optional module a library probes for,
# such as bs4's ``cchardet`` — passes through it with an ImportWarning, which ``-W error`` (and our test suite)
# turns into a failed import that the library's ``except ImportError`` does not catch. Take it out again.
sys.meta_path[:] = [f for f in sys.meta_path
                    if not (type(f).__module__ == "pygal" and type(f).__name__ == "PluginImportFixer")]

SVG = "{http://www.w3.org/2000/svg}"
COUNTRIES_SHOWN = 20  # the ranked chart's bars; the JSON twin says how many countries there are in all

STYLE = Style(
    background="#ffffff", plot_background="#ffffff", foreground="#1b1b1b", foreground_strong="#1b1b1b",
    foreground_subtle="#dddddd", colors=("#1f2a44",), font_family="system-ui, sans-serif",
    label_font_size=13, major_label_font_size=13, title_font_size=16, value_font_size=12,
    value_colors=("#ffffff",),
)


def without_scripts(root: Any) -> Any:
    """pygal's XML filter: every ``<script>`` element removed (with ``js=[]`` its own configuration is left)."""
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag in (f"{SVG}script", "script"):
                parent.remove(child)
    return root


def whole_ticks(highest: int, most: int = 10) -> list[int]:
    """Ticks for a count axis: whole numbers only (no film is a tenth of a film), at most about ``most`` of them."""
    step = max(1, -(-highest // most))
    return list(range(0, highest + step, step))


def _config(title: str, height: int) -> dict[str, Any]:
    return {"title": title, "style": STYLE, "js": [], "show_legend": False,
            "width": 800, "height": height, "explicit_size": False,
            "no_data_text": "No films", "disable_xml_declaration": False}


def years_svg(counts: Sequence[tuple[str, int]], *, title: str = "Films per year") -> bytes:
    """A histogram of films per year: one bar per year that has films, on a numeric year axis."""
    chart = pygal.Histogram(**_config(title, 360), x_title="Year", y_title="Films",
                            y_labels=whole_ticks(max((c for _, c in counts), default=0)), show_x_labels=bool(counts))
    bars = [(count, int(year), int(year) + 1) for year, count in counts]
    chart.add("Films", bars)
    chart.add_xml_filter(without_scripts)
    rendered: bytes = chart.render()
    return rendered


def countries_svg(counts: Sequence[tuple[str, int]], labels: dict[str, str], *,
                  title: str = "Co-production countries") -> bytes:
    """The countries with the most films, ranked, as horizontal bars labelled with the country's name."""
    shown = list(counts)[:COUNTRIES_SHOWN]
    height = 120 + 26 * max(1, len(shown))
    chart = pygal.HorizontalBar(**_config(title, height), x_title="Films", print_values=True,
                                y_labels=whole_ticks(max((c for _, c in shown), default=0)))
    ranked = list(reversed(shown))  # pygal draws the first bar at the bottom: the largest goes on top
    chart.x_labels = [labels.get(code, code) for code, _ in ranked]
    chart.add("Films", [count for _, count in ranked])
    chart.add_xml_filter(without_scripts)
    rendered: bytes = chart.render()
    return rendered
