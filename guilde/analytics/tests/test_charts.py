"""The charts (ADR 9): well-formed, accessible, CSP-clean SVG; escaped text; gaps, zeros and
single points; series told apart without colour; heatmap shading; CSV and the figure."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest
from defusedxml.ElementTree import fromstring
from django.template.loader import render_to_string
from django.utils import translation

from guilde.analytics import charts
from guilde.analytics.charts import Series

NS = "{http://www.w3.org/2000/svg}"
MONTHS = ["Jan", "Feb", "Mar", "Apr"]


def parse(svg: str) -> ET.Element:
    return fromstring(str(svg))


def local(element: ET.Element) -> str:
    return element.tag.removeprefix(NS)


def find_all(root: ET.Element, tag: str) -> list[ET.Element]:
    return list(root.iter(NS + tag))


def classes(element: ET.Element) -> set[str]:
    return set(element.get("class", "").split())


def num(element: ET.Element, attribute: str) -> float:
    return float(element.get(attribute, "nan"))


def with_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [element for element in root.iter() if name in classes(element)]


def line(**kwargs) -> ET.Element:
    defaults = {"title": "Active members", "series": [Series("Active", [12, 20, 40, 31])]}
    return parse(charts.line_chart(**{**defaults, "x_labels": MONTHS, **kwargs}))


def every_chart() -> dict[str, str]:
    two = [Series("Questions", [3, 5, None, 8]), Series("Ideas", [1, 0, 2, -1])]
    return {
        "line": charts.line_chart(title="T", series=two, x_labels=MONTHS, y_label="threads"),
        "bar": charts.bar_chart(title="T", series=two, x_labels=MONTHS),
        "stacked": charts.bar_chart(title="T", series=two, x_labels=MONTHS, stacked=True),
        "heatmap": charts.heatmap(
            title="T", rows=["A", "B"], columns=["A", "B"], values=[[1, 2], [None, 4]]
        ),
    }


@pytest.mark.parametrize("kind", ["line", "bar", "stacked", "heatmap"])
def test_every_chart_is_an_image_named_by_its_title_and_described(kind):
    root = parse(every_chart()[kind])
    assert local(root) == "svg"
    assert root.get("role") == "img"
    title, desc = root[0], root[1]
    assert (local(title), local(desc)) == ("title", "desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "T"
    assert desc.text
    # Scales with its container: a viewBox, no fixed size.
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox", ""))
    assert root.get("width") is None
    assert root.get("height") is None


@pytest.mark.parametrize("kind", ["line", "bar", "stacked", "heatmap"])
def test_no_script_no_style_element_no_style_attribute(kind):
    svg = every_chart()[kind]
    root = parse(svg)
    for element in root.iter():
        assert local(element) not in {"script", "style", "foreignObject"}
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)
    # References stay inside the chart (hatching patterns), never to another document.
    assert re.findall(r"url\((?!#chart-)", svg) == []
    assert "href" not in svg


def test_titles_names_and_labels_are_escaped():
    svg = charts.line_chart(
        title="<b>&",
        series=[Series("</svg><script>alert(1)</script>", [1, 2])],
        x_labels=['"quoted"', "<i>"],
        description="a < b & c",
    )
    assert "<b>" not in svg
    assert "<script" not in svg
    assert "&lt;b&gt;&amp;" in svg
    root = parse(svg)
    assert root[0].text == "<b>&"
    assert root[1].text == "a < b & c"
    texts = ["".join(text.itertext()) for text in find_all(root, "text")]
    assert '"quoted"' in texts
    assert "<i>" in texts


def test_control_characters_are_dropped_so_the_svg_stays_xml():
    root = line(title="before\x00\x08after", series=[Series("a\x1bb", [1, 2])])
    assert root[0].text == "beforeafter"


def test_a_gap_splits_the_line_and_isolated_points_get_a_marker():
    root = line(series=[Series("Active", [1, 2, None, 4, 5, None, 7])], x_labels=list("abcdefg"))
    [path] = with_class(root, "chart-line")
    assert path.get("d", "").count("M") == 3  # three runs: 1-2, 4-5 and 7 alone
    assert len(with_class(root, "chart-marker")) == 5

    many: list[float | None] = [float(n) for n in range(100)]
    many[50] = None
    root = line(series=[Series("Active", many)], x_labels=[str(n) for n in range(100)])
    assert with_class(root, "chart-marker") == []  # too many points to mark each one
    [path] = with_class(root, "chart-line")
    assert path.get("d", "").count("M") == 2


def test_what_is_not_a_number_is_a_gap():
    nan, inf = float("nan"), float("inf")
    root = line(series=[Series("Active", [1, nan, 3, inf])])
    [path] = with_class(root, "chart-line")
    assert "nan" not in path.get("d", "")
    assert root[1].text == "Active: from 1 (Jan) to 3 (Mar); highest 3 (Mar), lowest 1 (Jan)."
    root = parse(charts.heatmap(title="T", rows=["a"], columns=["x", "y"], values=[[nan, 2]]))
    assert len(with_class(root, "chart-heat-none")) == 1
    table = charts.series_table(
        caption="C", x_header="M", x_labels=["a"], series=[Series("A", [nan])]
    )
    assert table.rows[0].cells == [None]


def test_a_single_point():
    root = line(series=[Series("Active", [7])], x_labels=["Jan"])
    [marker] = with_class(root, "chart-marker")
    assert marker.get("cx") is not None  # the first series' marker is a circle
    assert root[1].text == "Active: 7 throughout."


def test_all_zero_and_no_data():
    root = line(series=[Series("Active", [0, 0, 0, 0])])
    ticks = ["".join(text.itertext()) for text in with_class(root, "chart-tick")[0]]
    assert ticks == ["0", "1"]
    assert root[1].text == "Active: 0 throughout."

    root = parse(charts.bar_chart(title="T", series=[Series("A", [0, 0])], x_labels=["a", "b"]))
    assert with_class(root, "chart-bar") == []

    root = line(series=[Series("Active", [None, None])])
    assert with_class(root, "chart-line") == []
    assert root[1].text == "Active: no data."

    root = line(series=[], x_labels=[])
    assert root[1].text == "No data."


def test_the_description_summarises_unless_the_caller_wrote_one():
    root = line()
    assert root[1].text == ("Active: from 12 (Jan) to 31 (Apr); highest 40 (Mar), lowest 12 (Jan).")
    root = line(description="Rises from 12 to 40; highest in March.")
    assert root[1].text == "Rises from 12 to 40; highest in March."


def test_lines_differ_by_dashes_and_markers_not_only_by_colour():
    root = line(
        series=[Series("A", [1, 2, 3, 4]), Series("B", [2, 3, 4, 5]), Series("C", [0, 1, 0, 1])]
    )
    paths = with_class(root, "chart-line")
    assert len({path.get("stroke-dasharray") for path in paths}) == 3
    groups = [g for g in with_class(root, "chart-series") if with_class(g, "chart-line")]

    def marker_shape(group):
        marker = with_class(group, "chart-marker")[0]
        return local(marker), len(marker.get("points", "").split())

    assert [marker_shape(group) for group in groups] == [
        ("circle", 0),
        ("polygon", 4),  # a square
        ("polygon", 3),  # a triangle
    ]
    # The legend shows each line's dash and marker next to its name.
    legend = with_class(root, "chart-legend")
    assert ["".join(item.itertext()) for item in legend] == ["A", "B", "C"]
    samples = [item.find(f"{NS}g/{NS}line") for item in legend]
    assert {sample.get("stroke-dasharray") for sample in samples if sample is not None} == {
        path.get("stroke-dasharray") for path in paths
    }


def test_stacked_bars_sit_on_each_other_and_grouped_bars_side_by_side():
    series = [Series("A", [2]), Series("B", [3])]
    root = parse(charts.bar_chart(title="T", series=series, x_labels=["x"], stacked=True))
    a, b = (with_class(group, "chart-bar")[0] for group in with_class(root, "chart-series")[2:])
    assert num(a, "x") == num(b, "x")
    assert num(b, "y") + num(b, "height") == pytest.approx(num(a, "y"), abs=0.1)
    assert num(b, "height") == pytest.approx(num(a, "height") * 1.5, rel=0.05)
    # The second series is hatched as well as coloured.
    assert with_class(root, "chart-bar-hatch")

    root = parse(charts.bar_chart(title="T", series=series, x_labels=["x"]))
    a, b = (with_class(group, "chart-bar")[0] for group in with_class(root, "chart-series")[2:])
    assert num(b, "x") == pytest.approx(num(a, "x") + num(a, "width"), abs=0.1)
    assert num(a, "y") + num(a, "height") == pytest.approx(num(b, "y") + num(b, "height"), abs=0.1)


def test_long_category_names_wrap_under_their_bar():
    names = ["Ministère de la Transition écologique", "Acme", "Beta", "Gamma"]
    root = parse(charts.bar_chart(title="T", series=[Series("A", [1, 2, 3, 4])], x_labels=names))
    labels = with_class(root, "chart-tick")[1]
    first = [span.text or "" for span in labels[0]]
    assert len(first) == 2
    assert " ".join(first).replace("…", "") in names[0]


def test_many_categories_slant_shorten_and_thin_out():
    weeks = [f"Week {n} of the year 2026" for n in range(1, 53)]
    root = parse(charts.bar_chart(title="T", series=[Series("A", [1] * 52)], x_labels=weeks))
    labels = list(with_class(root, "chart-tick")[1])
    assert 10 < len(labels) < 52
    assert all("rotate(-40" in label.get("transform", "") for label in labels)
    assert all(len("".join(label.itertext())) <= charts.ROTATED_LABEL for label in labels)
    assert len(with_class(root, "chart-bar")) == 52


def test_heatmap_shades_in_the_order_of_the_values():
    values: list[list[float | None]] = [[0, 5, 10], [2.5, None, 7.5]]
    root = parse(charts.heatmap(title="T", rows=["a", "b"], columns=["x", "y", "z"], values=values))
    cells = [
        cell for cell in find_all(root, "rect") if classes(cell) & {"chart-heat", "chart-heat-none"}
    ]
    grid = cells[:6] if len(cells) > 6 else cells  # the legend's swatches come after the grid
    levels: list[int | None] = []
    for cell in grid:
        level = [int(c.rsplit("-", 1)[1]) for c in classes(cell) if c[-1].isdigit()]
        levels.append(level[0] if level else None)
    by_value = sorted(
        (value, level)
        for value, level in zip([v for row in values for v in row], levels, strict=True)
        if value is not None and level is not None
    )
    assert [level for _, level in by_value] == sorted(level for _, level in by_value)
    assert by_value[0][1] == 0
    assert by_value[-1][1] == charts.HEAT_BUCKETS - 1
    assert levels[4] is None  # no data: its own dashed cell
    assert "chart-heat-none" in classes(grid[4])
    # A legend of the five steps, with the values each stands for.
    legend = with_class(root, "chart-legend")[0]
    assert "".join(legend.itertext()).startswith("0–2")
    assert root[1].text == "Highest 10 (a, z); lowest 0 (a, x)."


def test_heatmap_of_equal_or_no_values():
    root = parse(charts.heatmap(title="T", rows=["a"], columns=["x", "y"], values=[[0, 0]]))
    assert root[1].text == "Every cell: 0."
    root = parse(charts.heatmap(title="T", rows=["a"], columns=["x"], values=[[None]]))
    assert root[1].text == "No data."


def test_numbers_in_the_language_of_the_page():
    series = [Series("Actifs", [1234.5, 2000])]
    with translation.override("fr"):
        root = parse(charts.line_chart(title="T", series=series, x_labels=["janv.", "févr."]))
        table = charts.series_table(
            caption="T", x_header="Mois", x_labels=["a", "b"], series=series
        )
    assert "1\xa0234,5" in (root[1].text or "")
    ticks = ["".join(text.itertext()) for text in with_class(root, "chart-tick")[0]]
    assert "2\xa0000" in ticks
    assert table.rows[0].cells == ["1\xa0234,5"]
    assert charts.format_number(-0.001) == "0"
    assert charts.format_number(2.25) == "2.25"


def test_each_chart_has_its_own_ids_unless_given_one():
    first, second = line(), line()
    assert first[0].get("id") != second[0].get("id")
    assert line(chart_id="retention")[0].get("id") == "retention-title"


def test_tables_of_series_and_matrices():
    table = charts.series_table(
        caption="C", x_header="Month", x_labels=["Jan", "Feb"], series=[Series("A", [1, None])]
    )
    assert table.header == ["Month", "A"]
    assert [(row.label, row.cells) for row in table.rows] == [("Jan", ["1"]), ("Feb", [None])]
    table = charts.matrix_table(
        caption="C", corner="Cohort", rows=["a", "b"], columns=["x", "y"], values=[[1, 2], [3]]
    )
    assert table.header == ["Cohort", "x", "y"]
    assert [row.cells for row in table.rows] == [["1", "2"], ["3", None]]


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_csv_response():
    response = charts.csv_response(
        "active members.csv",
        ["week", "Active", "Ratio"],
        [
            (datetime.date(2026, 3, 2), 12, 0.5),
            ("2026-03-09", None, Decimal("1.25")),
            ('Ré, "quoted"\nline', -3, 1234.5),
        ],
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="active-members.csv"'
    assert read_csv(response) == [
        ["week", "Active", "Ratio"],
        ["2026-03-02", "12", "0.5"],
        ["2026-03-09", "", "1.25"],
        ['Ré, "quoted"\nline', "-3", "1234.5"],  # numbers as numbers, never quoted
    ]


def test_csv_cells_that_would_run_as_formulas_are_quoted():
    hostile = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "fine"]
    response = charts.csv_response("x", ["=header"], [hostile])
    header, row = read_csv(response)
    assert header == ["'=header"]
    assert row == ["'" + cell for cell in hostile[:-1]] + ["fine"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("../../etc/passwd", "etc-passwd.csv"), ('a"b;c.csv', "a-b-c.csv"), ("", "data.csv")],
)
def test_csv_file_names_are_tame(name, expected):
    response = charts.csv_response(name, ["a"], [])
    assert response["Content-Disposition"] == f'attachment; filename="{expected}"'


def test_the_figure_template():
    series = [Series("Active", [1, None])]
    html = render_to_string(
        "analytics/_figure.html",
        {
            "chart": charts.line_chart(title="<Active>", series=series, x_labels=["a", "b"]),
            "caption": "<Active>",
            "table": charts.series_table(
                caption="<Active>", x_header="Week", x_labels=["a", "b"], series=series
            ),
            "csv_url": "/analytics/active.csv?period=2026-03",
        },
    )
    assert '<figcaption class="chart-caption">&lt;Active&gt;</figcaption>' in html
    assert html.count('role="img"') == 1
    assert '<details class="chart-data">' in html
    # Once folded for the screen, once for print.
    assert html.count("<caption>&lt;Active&gt;</caption>") == 2
    assert html.count('<th scope="col">Week</th>') == 2
    assert html.count('<th scope="row">a</th>') == 2
    assert html.count("no data") == 2
    assert 'class="print-table"' in html
    assert 'href="/analytics/active.csv?period=2026-03" download>Download CSV' in html

    html = render_to_string("analytics/_figure.html", {"chart": "", "caption": "C"})
    assert "<details" not in html
    assert "Download CSV" not in html
