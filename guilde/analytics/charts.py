"""Charts for the analytics pages: accessible SVG drawn on the server (ADR 9).

Every chart is an ``<svg role="img">`` named by its ``<title>`` and summarised in words by
its ``<desc>``; the same numbers go in a table (``analytics/_figure.html``, built from
``series_table`` / ``matrix_table``) and in a CSV download (``csv_response``).

The markup passes the site's Content-Security-Policy: presentation attributes and classes
styled by ``guilde.css`` ("Analytics charts"), never a ``style`` attribute, a ``<style>`` or
a ``<script>``. Colours come from the stylesheet through ``currentColor``, so charts follow
the light and dark schemes and print black on white; without the stylesheet they are
still legible, in the text colour. Series differ by more than colour: dash patterns and
marker shapes for lines, hatching for bars.

The tree is built with ElementTree, whose serialiser escapes every text and attribute
value: titles, names and labels from the caller are never pasted into markup.

Example::

    line_chart(
        title=_("Active members per week"),
        series=[Series(_("Active"), [12, 15, None, 40]), Series(_("Posting"), [3, 4, None, 9])],
        x_labels=["2 Mar", "9 Mar", "16 Mar", "23 Mar"],
        y_label=_("members"),
    )
"""

from __future__ import annotations

import csv
import datetime
import math
import re
import textwrap
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

Formatter = Callable[[float], str]

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH = 640  # viewBox units; the chart scales to its container (guilde.css: .chart)
HEIGHT = 320
FONT = 13  # user units: about 13-16 px at the figure's usual widths
CHAR_WIDTH = 0.6 * FONT  # an estimate of a character's width, for the layout only
PAD = 8
STYLES = 6  # distinct series styles; the seventh series looks like the first

# Series are told apart without colour: a dash pattern and a marker shape per line, a
# hatching per bar (index 0 is solid).
DASHES = ("", "8 5", "2 4", "12 4 3 4", "6 3 1 3", "1 3")
MARKERS = ("circle", "square", "triangle", "diamond", "triangle-down", "cross")
HATCHES = ("", "diagonal", "dots", "crosshatch", "horizontal", "antidiagonal")
MARKERS_UP_TO = 40  # points per series; beyond, only isolated points get a marker
ROTATED_LABEL = 18  # characters kept of a slanted category name

# Marker outlines around the point, in marker sizes (the circle is drawn as one).
_OUTLINES = {
    "square": "-.85,-.85 .85,-.85 .85,.85 -.85,.85",
    "triangle": "0,-1.3 1.25,1 -1.25,1",
    "triangle-down": "0,1.3 1.25,-1 -1.25,-1",
    "diamond": "0,-1.35 1.35,0 0,1.35 -1.35,0",
    "cross": "-1.3,-.4 -.4,-.4 -.4,-1.3 .4,-1.3 .4,-.4 1.3,-.4 "
    "1.3,.4 .4,.4 .4,1.3 -.4,1.3 -.4,.4 -1.3,.4",
}

HEAT_BUCKETS = 5
HEAT_OPACITY = (0.1, 0.28, 0.46, 0.68, 0.9)

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Series:
    """One named row of values, one per x label; ``None`` is a gap (no data)."""

    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: list[str | None]  # formatted numbers; None: no data


@dataclass(frozen=True)
class DataTable:
    """A figure's numbers for ``analytics/_figure.html``: ``header[0]`` heads the row labels."""

    caption: str
    header: list[str]
    rows: list[TableRow]


def format_number(value: float) -> str:
    """A number in the active language ("1 234,5" in French), with at most two decimals."""
    rounded = round(float(value), 2) + 0.0  # + 0.0: no "-0"
    if rounded.is_integer():
        decimals = 0
    elif round(rounded, 1) == rounded:
        decimals = 1
    else:
        decimals = 2
    return number_format(rounded, decimals, use_l10n=True, force_grouping=True)


# Charts


def line_chart(
    *,
    title: str,
    series: Sequence[Series],
    x_labels: Sequence[str],
    y_label: str = "",
    description: str = "",
    formatter: Formatter | None = None,
    chart_id: str | None = None,
) -> SafeString:
    """Lines over ``x_labels``; gaps where a value is None. ``description`` (already
    translated) says what the figure shows; empty, one is written from the numbers."""
    series = _with_gaps(series)
    fmt = formatter or format_number
    cid = chart_id or _new_id()
    count = max([len(x_labels), *(len(s.values) for s in series)], default=0)
    root = _svg(
        kind="line",
        cid=cid,
        title=title,
        description=description or describe_series(series, x_labels, fmt),
    )
    top = PAD + (_legend(root, series, kind="line", top=PAD) if len(series) > 1 else 0)
    scale = _Scale.of(v for s in series for v in s.values if v is not None)
    label_width = _text_width(max(x_labels, key=len, default="")) + 2 * PAD
    frame = _frame(
        root,
        scale,
        top=top,
        y_label=y_label,
        formatter=formatter,
        right=max(2 * PAD, label_width / 2),
    )

    def x_at(index: int) -> float:
        if count <= 1:
            return frame.left + frame.width / 2
        return frame.left + frame.width * index / (count - 1)

    step = max(1, math.ceil(count / max(1, int(frame.width // label_width))))
    _x_labels(root, frame, [(x_at(i), [x_labels[i]]) for i in range(0, len(x_labels), step)])

    for index, one in enumerate(series):
        group = _el(
            root,
            "g",
            class_=f"chart-series chart-series-{index % STYLES}",
            fill="currentColor",
            stroke="currentColor",
        )
        points = [
            (x_at(i), frame.y(value)) if value is not None else None
            for i, value in enumerate(one.values)
        ]
        path: list[str] = []
        for i, point in enumerate(points):
            if point is None:
                continue
            joined = i > 0 and points[i - 1] is not None
            path.append(f"{'L' if joined else 'M'}{_n(point[0])} {_n(point[1])}")
        if path:
            _el(
                group,
                "path",
                class_="chart-line",
                d=" ".join(path),
                fill="none",
                stroke_width="2.5",
                stroke_linejoin="round",
                stroke_linecap="round",
                stroke_dasharray=DASHES[index % STYLES] or None,
            )
        few = sum(p is not None for p in points) <= MARKERS_UP_TO
        for i, point in enumerate(points):
            isolated = (i == 0 or points[i - 1] is None) and (
                i + 1 == len(points) or points[i + 1] is None
            )
            if point is not None and (few or isolated):
                _marker(group, index, *point)
    return _render(root)


def bar_chart(
    *,
    title: str,
    series: Sequence[Series],
    x_labels: Sequence[str],
    y_label: str = "",
    description: str = "",
    stacked: bool = False,
    formatter: Formatter | None = None,
    chart_id: str | None = None,
) -> SafeString:
    """Vertical bars, one group per x label: series side by side, or ``stacked``."""
    series = _with_gaps(series)
    fmt = formatter or format_number
    cid = chart_id or _new_id()
    count = max([len(x_labels), *(len(s.values) for s in series)], default=0)
    root = _svg(
        kind="bar",
        cid=cid,
        title=title,
        description=description or describe_series(series, x_labels, fmt),
    )
    _hatch_patterns(root, cid, len(series))
    top = PAD + (_legend(root, series, kind="bar", top=PAD, cid=cid) if len(series) > 1 else 0)
    if stacked:
        totals = _stack_totals(series, count)
        scale = _Scale.of([*totals[0], *totals[1]])
    else:
        scale = _Scale.of(v for s in series for v in s.values if v is not None)
    # Category names go under their bars on up to two lines; when a word is too wide for
    # its bar (many bars, long names), they are slanted, shortened and thinned out.
    margin = _left_margin(scale, y_label, formatter)
    band = (WIDTH - margin - 2 * PAD) / max(count, 1)
    wrapped = [_wrap(label, band - 4) for label in x_labels]
    lines: list[list[str]] = [w for w in wrapped if w is not None]
    rotate = len(lines) < len(wrapped)
    if rotate:
        lines = [[_shorten(label, ROTATED_LABEL)] for label in x_labels]
    widest = max((_text_width(label[0]) for label in lines), default=0.0)
    frame = _frame(
        root,
        scale,
        top=top,
        y_label=y_label,
        formatter=formatter,
        extra_bottom=widest * 0.65
        if rotate
        else (max(map(len, lines), default=1) - 1) * FONT * 1.1,
        min_left=widest * 0.77 + PAD - band / 2 if rotate else 0.0,
    )
    band = frame.width / max(count, 1)
    step = max(1, math.ceil(FONT * 1.5 / band)) if rotate else 1
    _x_labels(
        root,
        frame,
        [(frame.left + band * (i + 0.5), lines[i]) for i in range(0, len(lines), step)],
        rotate=rotate,
    )

    groups = [
        _el(
            root,
            "g",
            class_=f"chart-series chart-series-{index % STYLES}",
            fill="currentColor",
        )
        for index in range(len(series))
    ]
    zero = frame.y(0)
    for i in range(count):
        above, below = zero, zero  # running tops of a stack, upwards and downwards
        for index, one in enumerate(series):
            value = one.values[i] if i < len(one.values) else None
            if value is None or value == 0:
                continue
            if stacked:
                width = band * 0.6
                x = frame.left + band * i + band * 0.2
                height = abs(frame.y(value) - zero)
                if value > 0:
                    above -= height
                    y = above
                else:
                    y = below
                    below += height
            else:
                width = band * 0.8 / len(series)
                x = frame.left + band * i + band * 0.1 + width * index
                y = min(frame.y(value), zero)
                height = abs(frame.y(value) - zero)
            _bar(groups[index], cid, index, x, y, width, height)
    return _render(root)


def heatmap(
    *,
    title: str,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    description: str = "",
    value_label: str = "",
    formatter: Formatter | None = None,
    chart_id: str | None = None,
) -> SafeString:
    """A rows × columns matrix (a retention cohort table, organisation × organisation),
    cells shaded by value in five steps from zero to the highest, with a legend.
    ``values[r][c]``; None is no data (e.g. a cohort's future months)."""
    values = [[_finite(value) for value in row] for row in values]
    fmt = formatter or format_number
    cid = chart_id or _new_id()
    root = _svg(
        kind="heatmap",
        cid=cid,
        title=title,
        description=description or describe_matrix(rows, columns, values, fmt),
    )
    known = [v for row in values for v in row if v is not None]
    low, high = min([0.0, *known]), max([0.0, *known])

    def bucket(value: float) -> int:
        if high == low:
            return 0
        return min(HEAT_BUCKETS - 1, int((value - low) / (high - low) * HEAT_BUCKETS))

    row_labels = [_shorten(label) for label in rows]
    label_width = max((_text_width(label) for label in row_labels), default=0) + 2 * PAD
    cell_width = max(34.0, (WIDTH - PAD - label_width) / max(len(columns), 1))
    cell_height = 26.0
    widest_column = max((_text_width(_shorten(c)) for c in columns), default=0)
    rotate = widest_column > cell_width - 4
    header = widest_column * 0.75 + FONT if rotate else FONT + 10
    left, top = PAD + label_width, PAD + header
    width = max(WIDTH, left + cell_width * len(columns) + PAD)
    if rotate:  # the last column's name leans out to the right
        width = max(width, left + cell_width * (len(columns) - 0.5) + widest_column * 0.71 + PAD)

    for c, name in enumerate(columns):
        x = left + cell_width * (c + 0.5)
        if rotate:
            _el(
                root,
                "text",
                _shorten(name),
                class_="chart-tick",
                x=_n(x),
                y=_n(top - 6),
                text_anchor="start",
                transform=f"rotate(-45 {_n(x)} {_n(top - 6)})",
            )
        else:
            _el(
                root,
                "text",
                _shorten(name),
                class_="chart-tick",
                x=_n(x),
                y=_n(top - 6),
                text_anchor="middle",
            )
    for r, name in enumerate(row_labels):
        y = top + cell_height * r
        _el(
            root,
            "text",
            name,
            class_="chart-tick",
            x=_n(left - PAD),
            y=_n(y + cell_height / 2),
            dy="0.35em",
            text_anchor="end",
        )
        row = values[r] if r < len(values) else []
        for c in range(len(columns)):
            value = row[c] if c < len(row) else None
            x = left + cell_width * c
            cell = {"x": _n(x + 1), "y": _n(y + 1)}
            size = {"width": _n(cell_width - 2), "height": _n(cell_height - 2)}
            if value is None:
                _el(
                    root,
                    "rect",
                    class_="chart-heat-none",
                    fill="none",
                    stroke="currentColor",
                    stroke_opacity="0.35",
                    stroke_dasharray="3 3",
                    **cell,
                    **size,
                )
                continue
            level = bucket(value)
            _el(
                root,
                "rect",
                class_=f"chart-heat chart-heat-{level}",
                fill="currentColor",
                fill_opacity=str(HEAT_OPACITY[level]),
                **cell,
                **size,
            )
            text = fmt(value)
            if _text_width(text) <= cell_width - 6:
                _el(
                    root,
                    "text",
                    text,
                    class_=f"chart-heat-label chart-heat-label-{level}",
                    x=_n(x + cell_width / 2),
                    y=_n(y + cell_height / 2),
                    dy="0.35em",
                    text_anchor="middle",
                    fill="#fff" if level >= HEAT_BUCKETS - 2 else "currentColor",
                )
    legend_top = top + cell_height * len(rows) + 2 * PAD
    height = legend_top + _heat_legend(root, low, high, fmt, value_label, top=legend_top) + PAD
    root.set("viewBox", f"0 0 {_n(width)} {_n(height)}")
    return _render(root)


# Words: the <desc> when the caller gives none


def describe_series(series: Sequence[Series], x_labels: Sequence[str], fmt: Formatter) -> str:
    """Each series in a sentence: first and last values, highest and lowest, with when."""

    def label(i: int) -> str:
        return x_labels[i] if i < len(x_labels) else str(i + 1)

    sentences = []
    for one in series:
        known = [(label(i), v) for i, v in enumerate(one.values) if v is not None]
        if not known:
            sentences.append(_("%(name)s: no data.") % {"name": one.name})
            continue
        high = max(known, key=lambda point: point[1])
        low = min(known, key=lambda point: point[1])
        if high[1] == low[1]:
            sentences.append(
                _("%(name)s: %(value)s throughout.") % {"name": one.name, "value": fmt(high[1])}
            )
            continue
        (first_label, first), (last_label, last) = known[0], known[-1]
        sentences.append(
            _(
                "%(name)s: from %(first)s (%(first_label)s) to %(last)s (%(last_label)s); "
                "highest %(high)s (%(high_label)s), lowest %(low)s (%(low_label)s)."
            )
            % {
                "name": one.name,
                "first": fmt(first),
                "first_label": first_label,
                "last": fmt(last),
                "last_label": last_label,
                "high": fmt(high[1]),
                "high_label": high[0],
                "low": fmt(low[1]),
                "low_label": low[0],
            }
        )
    return " ".join(sentences) or _("No data.")


def describe_matrix(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    fmt: Formatter,
) -> str:
    """The highest and lowest cells of a matrix, with their row and column."""
    cells = [
        (value, rows[r], columns[c])
        for r, row in enumerate(values[: len(rows)])
        for c, value in enumerate(row[: len(columns)])
        if value is not None
    ]
    if not cells:
        return _("No data.")
    high = max(cells, key=lambda cell: cell[0])
    low = min(cells, key=lambda cell: cell[0])
    if high[0] == low[0]:
        return _("Every cell: %(value)s.") % {"value": fmt(high[0])}
    return _(
        "Highest %(high)s (%(high_row)s, %(high_column)s); "
        "lowest %(low)s (%(low_row)s, %(low_column)s)."
    ) % {
        "high": fmt(high[0]),
        "high_row": high[1],
        "high_column": high[2],
        "low": fmt(low[0]),
        "low_row": low[1],
        "low_column": low[2],
    }


# Tables and CSV


def series_table(
    *,
    caption: str,
    x_header: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    formatter: Formatter | None = None,
) -> DataTable:
    """The numbers of a line or bar chart: a row per x label, a column per series."""
    fmt = formatter or format_number
    return DataTable(
        caption=caption,
        header=[x_header, *(one.name for one in series)],
        rows=[
            TableRow(label, [_cell(one.values, i, fmt) for one in series])
            for i, label in enumerate(x_labels)
        ],
    )


def matrix_table(
    *,
    caption: str,
    corner: str,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    formatter: Formatter | None = None,
) -> DataTable:
    """The numbers of a heatmap; ``corner`` heads the column of row labels."""
    fmt = formatter or format_number
    return DataTable(
        caption=caption,
        header=[corner, *columns],
        rows=[
            TableRow(
                label,
                [_cell(values[r] if r < len(values) else [], c, fmt) for c in range(len(columns))],
            )
            for r, label in enumerate(rows)
        ],
    )


def csv_response(
    filename: str, header: Sequence[object], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    """A CSV download (UTF-8 with a byte-order mark, so that spreadsheets read accents).

    Numbers are written as numbers (``1234.5``, whatever the language), dates in ISO 8601,
    None as an empty cell. A text cell that a spreadsheet would run as a formula (starting
    with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading ``'``.
    """
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-.") or "data"
    if not name.lower().endswith(".csv"):
        name += ".csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_csv_cell(value) for value in header])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return response


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime.date):  # datetimes too
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _cell(values: Sequence[float | None], index: int, fmt: Formatter) -> str | None:
    value = _finite(values[index]) if index < len(values) else None
    return None if value is None else fmt(value)


def _finite(value: float | None) -> float | None:
    """None for what is not a number to draw (None, NaN, infinities): a gap."""
    return value if value is not None and math.isfinite(value) else None


def _with_gaps(series: Sequence[Series]) -> list[Series]:
    return [Series(one.name, [_finite(value) for value in one.values]) for one in series]


# Drawing


@dataclass(frozen=True)
class _Scale:
    """A value axis from zero (or below, for negatives) to a round number above the data."""

    low: float
    high: float
    ticks: list[float]
    decimals: int

    @classmethod
    def of(cls, values: Iterable[float], target: int = 5) -> _Scale:
        known = [float(v) for v in values]
        low, high = min([0.0, *known]), max([0.0, *known])
        if high == low:
            high = low + 1
        integral = all(v.is_integer() for v in known)
        raw = (high - low) / target
        magnitude = 10 ** math.floor(math.log10(raw))
        factors = (1, 2, 5, 10) if integral else (1, 2, 2.5, 5, 10)
        step = next(f * magnitude for f in factors if f * magnitude >= raw)
        step = round(step, 12) or step  # 0.30000000000000004 → 0.3, never 0
        if integral:
            step = max(step, 1.0)
        start, end = math.floor(low / step) * step, math.ceil(high / step) * step
        ticks = [round(start + i * step, 10) for i in range(round((end - start) / step) + 1)]
        exponent = Decimal(repr(step)).normalize().as_tuple().exponent
        decimals = max(0, -exponent) if isinstance(exponent, int) else 0
        return cls(low=ticks[0], high=ticks[-1], ticks=ticks, decimals=decimals)

    def label(self, tick: float, formatter: Formatter | None) -> str:
        if formatter:
            return formatter(tick)
        return number_format(tick + 0.0, self.decimals, use_l10n=True, force_grouping=True)


@dataclass(frozen=True)
class _Frame:
    left: float
    top: float
    width: float
    height: float
    scale: _Scale

    def y(self, value: float) -> float:
        share = (value - self.scale.low) / (self.scale.high - self.scale.low)
        return self.top + self.height * (1 - share)

    @property
    def bottom(self) -> float:
        return self.top + self.height


def _new_id() -> str:
    return f"chart-{uuid.uuid4().hex[:10]}"


def _clean(text: object) -> str:
    """Text as XML 1.0 allows it (control characters dropped); ElementTree escapes the rest."""
    return _NOT_XML.sub("", str(text))


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def _shorten(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _el(parent: ET.Element, tag: str, text: object = None, **attributes: object) -> ET.Element:
    """A child element; ``class_`` is ``class``, ``stroke_width`` is ``stroke-width``;
    attributes whose value is None are left out."""
    element = ET.SubElement(
        parent,
        tag,
        {
            name.rstrip("_").replace("_", "-"): _clean(value)
            for name, value in attributes.items()
            if value is not None
        },
    )
    if text is not None:
        element.text = _clean(text)
    return element


def _svg(*, kind: str, cid: str, title: str, description: str) -> ET.Element:
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "class": f"chart {kind}-chart",
            "viewBox": f"0 0 {WIDTH} {HEIGHT}",
            "role": "img",
            "aria-labelledby": f"{cid}-title {cid}-desc",
            "font-family": "system-ui, sans-serif",
            "font-size": str(FONT),
            "fill": "currentColor",
        },
    )
    _el(root, "title", title, id=f"{cid}-title")
    _el(root, "desc", description, id=f"{cid}-desc")
    return root


def _render(root: ET.Element) -> SafeString:
    markup = ET.tostring(root, encoding="unicode")
    # Nothing from the caller is concatenated as markup: titles, names and labels are texts
    # and attribute values of the tree.
    # safe: serialised by ElementTree, which escapes every text and attribute value.
    return mark_safe(markup)  # noqa: S308


def _left_margin(scale: _Scale, y_label: str, formatter: Formatter | None) -> float:
    widest = max(_text_width(scale.label(tick, formatter)) for tick in scale.ticks)
    return PAD + widest + PAD + (FONT + PAD if y_label else 0)


def _frame(
    root: ET.Element,
    scale: _Scale,
    *,
    top: float,
    y_label: str,
    formatter: Formatter | None,
    extra_bottom: float = 0.0,
    right: float = 2 * PAD,
    min_left: float = 0.0,
) -> _Frame:
    """Draw the value axis (grid lines, ticks, the axis label); return the plot area."""
    left = max(_left_margin(scale, y_label, formatter), min_left)
    height = HEIGHT + extra_bottom
    root.set("viewBox", f"0 0 {WIDTH} {_n(height)}")
    plot_top = top + FONT / 2
    frame = _Frame(
        left=left,
        top=plot_top,
        width=WIDTH - left - right,
        height=height - plot_top - FONT - 2 * PAD - extra_bottom,
        scale=scale,
    )
    grid = _el(root, "g", class_="chart-grid", stroke="currentColor", stroke_opacity="0.18")
    ticks = _el(root, "g", class_="chart-tick", text_anchor="end")
    for tick in scale.ticks:
        y = frame.y(tick)
        _el(grid, "line", x1=_n(left), x2=_n(left + frame.width), y1=_n(y), y2=_n(y))
        _el(ticks, "text", scale.label(tick, formatter), x=_n(left - PAD), y=_n(y), dy="0.35em")
    _el(
        root,
        "line",
        class_="chart-axis",
        x1=_n(left),
        x2=_n(left + frame.width),
        y1=_n(frame.y(0)),
        y2=_n(frame.y(0)),
        stroke="currentColor",
        stroke_opacity="0.7",
    )
    if y_label:
        x, y = PAD + FONT * 0.8, frame.top + frame.height / 2
        _el(
            root,
            "text",
            y_label,
            class_="chart-axis-label",
            x=_n(x),
            y=_n(y),
            text_anchor="middle",
            transform=f"rotate(-90 {_n(x)} {_n(y)})",
        )
    return frame


def _x_labels(
    root: ET.Element,
    frame: _Frame,
    labels: list[tuple[float, list[str]]],
    *,
    rotate: bool = False,
) -> None:
    """Labels under the plot: centred, one ``tspan`` per line, or slanted."""
    group = _el(root, "g", class_="chart-tick", text_anchor="end" if rotate else "middle")
    y = frame.bottom + PAD + FONT * 0.8
    for x, lines in labels:
        text = _el(
            group,
            "text",
            x=_n(x),
            y=_n(y),
            transform=f"rotate(-40 {_n(x)} {_n(y)})" if rotate else None,
        )
        for number, line in enumerate(lines):
            _el(text, "tspan", line, x=_n(x), dy="1.1em" if number else None)


def _wrap(label: str, width: float) -> list[str] | None:
    """``label`` on at most two lines of ``width``, or None when a word is wider."""
    if not label.strip():
        return [""]
    chars = int(width // CHAR_WIDTH)
    if chars < 3:
        return None
    lines = textwrap.wrap(label, chars, max_lines=2, placeholder="…", break_long_words=False)
    return lines if lines and all(len(line) <= chars for line in lines) else None


def _legend(
    root: ET.Element,
    series: Sequence[Series],
    *,
    kind: str,
    top: float,
    cid: str = "",
) -> float:
    """The series' names with their line or bar sample, wrapped; returns the height used."""
    row_height = FONT + 10
    x, y = float(PAD), top
    for index, one in enumerate(series):
        name = _shorten(one.name, 40)
        width = 30 + _text_width(name) + 2 * PAD
        if x + width > WIDTH - PAD and x > PAD:
            x, y = PAD, y + row_height
        item = _el(root, "g", class_="chart-legend", transform=f"translate({_n(x)} {_n(y)})")
        sample = _el(
            item,
            "g",
            class_=f"chart-series chart-series-{index % STYLES}",
            fill="currentColor",
            stroke="currentColor",
        )
        middle = FONT / 2 + 1
        if kind == "line":
            _el(
                sample,
                "line",
                x1="0",
                x2="24",
                y1=_n(middle),
                y2=_n(middle),
                stroke_width="2.5",
                stroke_linecap="round",
                stroke_dasharray=DASHES[index % STYLES] or None,
            )
            _marker(sample, index, 12, middle)
        else:
            _bar(sample, cid, index, 4, middle - 8, 16, 16)
        _el(item, "text", name, class_="chart-legend-text", x="30", y=_n(middle), dy="0.35em")
        x += width
    return y + row_height - top


def _marker(parent: ET.Element, index: int, x: float, y: float, size: float = 4.5) -> None:
    shape = MARKERS[index % STYLES]
    common = {"class_": "chart-marker", "stroke_width": "1", "stroke_dasharray": "none"}
    if shape == "circle":
        _el(parent, "circle", cx=_n(x), cy=_n(y), r=_n(size), **common)
        return
    corners = (map(float, corner.split(",")) for corner in _OUTLINES[shape].split())
    points = " ".join(f"{_n(x + dx * size)},{_n(y + dy * size)}" for dx, dy in corners)
    _el(parent, "polygon", points=points, **common)


def _hatch_patterns(root: ET.Element, cid: str, count: int) -> None:
    """One hatching per series after the first, drawn over its bars in the page colour."""
    if count < 2:
        return
    defs = _el(root, "defs")
    for index in range(1, min(count, STYLES)):
        kind = HATCHES[index]
        pattern = _el(
            defs,
            "pattern",
            id=f"{cid}-hatch-{index}",
            patternUnits="userSpaceOnUse",
            width="7",
            height="7",
            patternTransform={
                "diagonal": "rotate(45)",
                "crosshatch": "rotate(45)",
                "antidiagonal": "rotate(-45)",
            }.get(kind),
        )
        ink = {"class_": "chart-hatch", "stroke": "#fff", "fill": "#fff", "stroke_width": "1.6"}
        if kind == "dots":
            _el(pattern, "circle", cx="3.5", cy="3.5", r="1.3", **ink)
            continue
        if kind in ("diagonal", "crosshatch", "antidiagonal"):
            _el(pattern, "line", x1="0", y1="0", x2="0", y2="7", **ink)
        if kind in ("horizontal", "crosshatch"):
            _el(pattern, "line", x1="0", y1="3.5", x2="7", y2="3.5", **ink)


def _bar(
    parent: ET.Element, cid: str, index: int, x: float, y: float, width: float, height: float
) -> None:
    box = {"x": _n(x), "y": _n(y), "width": _n(width), "height": _n(max(height, 0.5))}
    _el(parent, "rect", class_="chart-bar", **box)
    if index % STYLES:
        _el(
            parent,
            "rect",
            class_="chart-bar-hatch",
            fill=f"url(#{cid}-hatch-{index % STYLES})",
            **box,
        )


def _stack_totals(series: Sequence[Series], count: int) -> tuple[list[float], list[float]]:
    """Each x label's sum of positive values and sum of negative values."""
    positive, negative = [0.0] * count, [0.0] * count
    for one in series:
        for i, value in enumerate(one.values[:count]):
            if value is not None and value > 0:
                positive[i] += value
            elif value is not None:
                negative[i] += value
    return positive, negative


def _heat_legend(
    root: ET.Element, low: float, high: float, fmt: Formatter, caption: str, *, top: float
) -> float:
    """The shading's steps with the range of values each stands for; returns its height."""
    group = _el(root, "g", class_="chart-legend", transform=f"translate({PAD} {_n(top)})")
    x, y, row_height = 0.0, 0.0, 22.0
    if caption:
        _el(group, "text", caption, class_="chart-legend-text", x="0", y="9", dy="0.35em")
        x = _text_width(caption) + 2 * PAD
    if high == low:
        steps = [(0, fmt(low))]
    else:
        size = (high - low) / HEAT_BUCKETS
        steps = [
            (level, f"{fmt(low + size * level)}–{fmt(low + size * (level + 1))}")
            for level in range(HEAT_BUCKETS)
        ]
    for level, text in steps:
        width = 22 + _text_width(text) + 2 * PAD
        if x + width > WIDTH - 2 * PAD and x > 0:
            x, y = 0.0, y + row_height
        _el(
            group,
            "rect",
            class_=f"chart-heat chart-heat-{level}",
            x=_n(x),
            y=_n(y + 2),
            width="18",
            height="14",
            fill="currentColor",
            fill_opacity=str(HEAT_OPACITY[level]),
        )
        _el(group, "text", text, class_="chart-legend-text", x=_n(x + 22), y=_n(y + 9), dy="0.35em")
        x += width
    return y + row_height
