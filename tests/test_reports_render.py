"""The HTML reports: filters, charts, and the rendered pages parsed with BeautifulSoup."""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime as dt
import hashlib
import re

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from jinja2 import UndefinedError

import report_sample
from reports.charts import line_chart, sparkline
from reports.model import Cell, Figure, Headline, MatrixNote, Overview, SiteCoverage, Trend
from reports.render import (
    environment,
    fmt_change,
    fmt_date,
    fmt_percent,
    fmt_rating,
    fmt_week,
    render_overview,
    render_physician,
    safe_url,
    write_reports,
)
from reputation.reporting.display import kind, site

OVERVIEW, PHYSICIANS = report_sample.build_sample(30)
OVERVIEW_HTML = render_overview(OVERVIEW)
OVERVIEW_SOUP = BeautifulSoup(OVERVIEW_HTML, "html.parser")
PHYSICIAN_HTML = {page.physician.npi: render_physician(page) for page in PHYSICIANS}

# Tags that would make the browser load something.
RESOURCE_TAGS = ["link", "script", "img", "iframe", "frame", "embed", "object", "source", "audio", "video", "track", "input", "image", "use"]


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def all_pages() -> list[tuple[str, str]]:
    return [("index.html", OVERVIEW_HTML)] + [(f"physicians/{npi}.html", html) for npi, html in PHYSICIAN_HTML.items()]


EVERY_PAGE = [pytest.param(name, html, id=name) for name, html in all_pages()]


def page_with(predicate) -> dict:
    return next(page for page in PHYSICIANS if predicate(page))


# --- filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(4.25, "4.3"), (4.35, "4.4"), (3.94, "3.9"), (4.0, "4.0"), (5, "5.0"), (1.05, "1.1"), (None, "–")],
)
def test_fmt_rating_rounds_half_up_to_one_decimal(value, expected):
    assert fmt_rating(value) == expected


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (0.2, {}, "+0.2"),
        (-0.3, {}, "−0.3"),
        (None, {}, "–"),
        (3, {}, "+3"),
        (-3, {}, "−3"),
        (0, {}, "0"),
        (-0.04, {}, "0.0"),
        (-0.05, {"digits": 2}, "−0.05"),
        (0.02, {"percent": True}, "+2.0 pts"),
        (-0.015, {"percent": True}, "−1.5 pts"),
    ],
)
def test_fmt_change_is_signed_with_a_real_minus(value, kwargs, expected):
    assert fmt_change(value, **kwargs) == expected


@pytest.mark.parametrize("formatter", [fmt_rating, fmt_change, fmt_percent])
def test_number_filters_show_nan_as_unknown(formatter):
    assert formatter(float("nan")) == "–"


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [(0.834, {}, "83%"), (0.835, {}, "84%"), (1, {}, "100%"), (0, {}, "0%"), (0.8349, {"digits": 1}, "83.5%"), (None, {}, "–")],
)
def test_fmt_percent(value, kwargs, expected):
    assert fmt_percent(value, **kwargs) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-18", "Nov 18, 2026"),
        ("2026-11-18T09:00:00Z", "Nov 18, 2026"),
        (dt.date(2026, 1, 5), "Jan 5, 2026"),
        (None, "–"),
        ("last week", "last week"),
    ],
)
def test_fmt_date(value, expected):
    assert fmt_date(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-W47", "Week 47 (Nov 16–22, 2026)"),
        ("2026-W01", "Week 1 (Dec 29 – Jan 4, 2026)"),
        ("2026-W99", "2026-W99"),
        (None, "–"),
    ],
)
def test_fmt_week_spells_out_the_dates(value, expected):
    assert fmt_week(value) == expected


@pytest.mark.parametrize(
    "url",
    ["https://www.healthgrades.com/physician/dr-jane-doe-x1", "http://example.org/a?b=1#c", "HTTPS://Vitals.com/x"],
)
def test_safe_url_keeps_http_and_https(url):
    assert safe_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "ftp://example.org/x",
        "//evil.example/x",
        "https://",
        "physicians/1234567893.html",
        "",
        None,
    ],
)
def test_safe_url_refuses_everything_else(url):
    assert safe_url(url) == "#"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("physicians/1234567893.html", "physicians/1234567893.html"),
        ("../index.html", "../index.html"),
        ("https://example.org/", "https://example.org/"),
        ("javascript:alert(1)", "#"),
        ("/etc/passwd", "#"),
        ("//evil.example/x", "#"),
    ],
)
def test_safe_url_allows_relative_paths_only_when_asked(url, expected):
    assert safe_url(url, allow_relative=True) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [("missing_listing", "Missing listing"), ("outdated_phone", "Outdated phone"), ("rating_drop", "Rating drop"), ("brand_new_kind", "Brand new kind")],
)
def test_kind_label(key, expected):
    assert kind(key).label == expected


def test_source_label_names_known_sites_and_title_cases_others():
    assert [site(s).label for s in ["webmd", "nppes", "healthgrades", "new_site"]] == ["WebMD", "NPPES", "Healthgrades", "New Site"]


def test_environment_is_built_once_with_autoescape_for_every_template():
    env = environment()
    assert env is environment()
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    assert env.select_template(["overview.html"]).environment.autoescape is True


# --- charts ----------------------------------------------------------------------------------

WEEKS = ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48"]


def chart_soup(*args, **kwargs) -> BeautifulSoup:
    return soup_of(str(line_chart(*args, **kwargs)))


def test_line_chart_breaks_the_line_at_gaps():
    svg = chart_soup(WEEKS, [{"label": "healthgrades", "values": [4.2, 4.25, None, 4.3, 4.4]}])
    assert len(svg.select("g.series path")) == 2
    assert len(svg.select("g.series circle")) == 4


def test_line_chart_draws_a_lone_point_between_gaps_as_a_dot():
    svg = chart_soup(WEEKS, [{"label": "vitals", "values": [None, 4.0, None, 4.5, None]}])
    assert svg.select("g.series path") == []
    assert len(svg.select("g.series circle")) == 2


def test_line_chart_is_accessible_with_title_and_description():
    svg = chart_soup(WEEKS[:2], [{"label": "All sources", "values": [4.2, 4.3]}], title="Average rating")
    root = svg.find("svg")
    assert root["role"] == "img"
    title_id, desc_id = root["aria-labelledby"].split()
    assert svg.find(id=title_id).name == "title"
    assert svg.find(id=title_id).get_text() == "Average rating"
    assert "2026-W45: 4.30" in svg.find(id=desc_id).get_text()


def test_line_chart_has_legend_entry_and_axis_labels():
    svg = chart_soup(WEEKS, [{"label": "All sources", "values": [4, 4, 4, 4, 4]}, {"label": "webmd", "values": [3, 3, 3, 3, 3]}])
    assert [g.get_text() for g in svg.select("g.legend")] == ["All sources", "webmd"]
    ticks = [t.get_text() for t in svg.select("text.tick")]
    assert {"1", "2", "3", "4", "5"} <= set(ticks)
    assert "2026-W44" in ticks and "2026-W48" in ticks


def test_line_chart_escapes_labels():
    svg = chart_soup(WEEKS[:2], [{"label": "<b>bold</b>", "values": [4, 5]}])
    assert svg.find("b") is None
    assert "<b>bold</b>" in svg.select_one("g.legend").get_text()


def test_line_chart_without_data_says_so():
    svg = chart_soup(WEEKS, [{"label": "All sources", "values": [None] * 5}])
    assert svg.select_one("text.chart-empty").get_text() == "No ratings in this period"
    assert svg.find("path") is None


def test_line_chart_keeps_out_of_range_values_inside_the_plot():
    svg = chart_soup(WEEKS[:2], [{"label": "x", "values": [0.0, 9.0]}], y_min=1, y_max=5, height=240)
    ys = [float(c["cy"]) for c in svg.select("g.series circle")]
    assert all(0 <= y <= 240 for y in ys)


def test_line_chart_draws_emphasised_series_thicker():
    svg = chart_soup(WEEKS[:2], [{"label": "All", "values": [4, 4], "emphasis": True}, {"label": "webmd", "values": [3, 3]}])
    widths = [path["stroke-width"] for path in svg.select("g.series path")]
    assert widths == ["3", "2"]


def test_sparkline_breaks_at_gaps_and_marks_the_latest_value():
    svg = soup_of(str(sparkline([4.5, 4.4, None, 4.0, 3.9])))
    assert len(svg.find_all("path")) == 2
    assert "4.50 → 4.40 → no data → 4.00 → 3.90" in svg.find("title").get_text()


def test_sparkline_scale_shows_a_drop_but_flattens_noise():
    def height_of(values):
        ys = [float(n) for n in re.findall(r"[ML][\d.]+,([\d.]+)", sparkline(values))]
        return max(ys) - min(ys)

    assert height_of([4.8, 4.5, 4.2, 3.9]) > 10
    assert height_of([4.50, 4.52, 4.49, 4.51]) < 2


# --- overview --------------------------------------------------------------------------------


def overview_with(**changes) -> BeautifulSoup:
    return soup_of(render_overview(dataclasses.replace(copy.deepcopy(OVERVIEW), **changes)))


def test_overview_header_names_organization_and_week():
    header = OVERVIEW_SOUP.select_one("header.masthead")
    assert header.h1.get_text(strip=True) == "Northwind Health"
    assert "Week 47 (Nov 16–22, 2026)" in header.get_text()
    assert "2026-11-21 09:00 UTC" in header.get_text()


def test_headline_cards_show_figures_and_change_since_last_week():
    soup = overview_with(
        headline=Headline(
            physicians=50,
            coverage=Figure(0.83, 0.02),
            open_findings=Figure(12, -3),
            average_rating=Figure(4.31, -0.05),
            new_reviews=Figure(14, None),
        )
    )

    def card(metric):
        node = soup.select_one(f'[data-metric="{metric}"]')
        return node.select_one(".value").get_text(strip=True), node.select_one(".chg").get_text(" ", strip=True)

    assert card("physicians")[0] == "50"
    assert card("coverage") == ("83%", "▲ +2.0 pts since W46")
    assert card("open_findings") == ("12", "▼ −3 since W46")
    assert card("average_rating") == ("4.3/ 5", "▼ −0.05 since W46")
    assert card("new_reviews") == ("14", "– no comparison")


@pytest.mark.parametrize(
    ("metric", "change", "css"),
    [("open_findings", -3, "chg-good"), ("open_findings", 2, "chg-bad"), ("coverage", 0.02, "chg-good"), ("average_rating", -0.1, "chg-bad")],
)
def test_headline_change_colour_follows_good_news(metric, change, css):
    headline = copy.deepcopy(OVERVIEW.headline)
    getattr(headline, metric).change = change
    soup = overview_with(headline=headline)
    assert css in soup.select_one(f'[data-metric="{metric}"] .chg')["class"]


def test_findings_by_kind_lists_each_kind_with_label_and_count():
    rows = OVERVIEW_SOUP.select("#findings tbody tr")
    assert [(r["data-kind"], r.th.get_text(strip=True), r.select("td")[0].get_text(strip=True)) for r in rows] == [
        (f.kind.key, kind(f.kind.key).label, str(f.count)) for f in OVERVIEW.findings_by_kind
    ]


def coverage_rows(soup: BeautifulSoup) -> list:
    return [row for row in soup.select("#coverage table.matrix tbody tr") if not row.has_attr("data-filter-empty")]


def test_coverage_matrix_has_a_row_per_physician_and_a_cell_per_source():
    rows = coverage_rows(OVERVIEW_SOUP)
    assert len(rows) == len(OVERVIEW.coverage)
    headers = [th.get_text(strip=True) for th in OVERVIEW_SOUP.select("#coverage thead th")]
    assert headers == ["Physician", "Department", "Healthgrades", "Vitals", "WebMD", "Zocdoc"]
    assert all(len(row.select('td[class^="s-"]')) == len(OVERVIEW.sites) for row in rows)


@pytest.mark.parametrize(
    ("state", "symbol", "word"),
    [("listed", "✓", "4.5"), ("missing", "✗", "missing"), ("unknown", "?", "unknown"), ("review", "!", "needs review"), ("not_crawled", "–", "not crawled")],
)
def test_coverage_cell_shows_state_with_class_symbol_and_text(state, symbol, word):
    data = copy.deepcopy(OVERVIEW)
    data.coverage[0].cells["healthgrades"] = Cell(state, "blocked: HTTP 403", "https://www.healthgrades.com/x", 4.5)
    cell = coverage_rows(soup_of(render_overview(data)))[0].select('td[class^="s-"]')[0]
    assert cell["class"] == [f"s-{state}"]
    assert cell.get_text(" ", strip=True) == word
    assert f'.matrix td.s-{state}::before {{ content: "{symbol}"; }}' in OVERVIEW_HTML  # the symbol, drawn by the stylesheet
    assert cell["title"] == "blocked: HTTP 403"


def test_coverage_cell_links_candidate_listing_only_when_it_needs_review():
    data = copy.deepcopy(OVERVIEW)
    cells = data.coverage[0].cells
    cells["healthgrades"] = Cell("review", "", "https://www.healthgrades.com/x", None)
    cells["vitals"] = Cell("listed", "", "https://www.vitals.com/y", 4.1)
    cells["webmd"] = Cell("review", "", "javascript:alert(1)", None)
    healthgrades, vitals, webmd, _ = coverage_rows(soup_of(render_overview(data)))[0].select('td[class^="s-"]')
    assert healthgrades.a["href"] == "https://www.healthgrades.com/x"
    assert vitals.a is None
    assert webmd.a is None and "needs review" in webmd.get_text()


def test_coverage_cell_for_a_source_not_in_the_row_reads_not_crawled():
    data = copy.deepcopy(OVERVIEW)
    del data.coverage[0].cells["zocdoc"]
    cell = coverage_rows(soup_of(render_overview(data)))[0].select('td[class^="s-"]')[-1]
    assert cell["class"] == ["s-not_crawled"]
    assert "not crawled" in cell.get_text()


def test_coverage_legend_explains_every_state_in_words():
    legend = OVERVIEW_SOUP.select_one("#coverage .legend").get_text(" ", strip=True)
    for words in ["✓ Listed", "✗ Missing", "! Needs review", "? Unknown", "– Not crawled"]:
        assert words in legend


def test_physician_names_link_to_their_report_relatively():
    for row, data in zip(coverage_rows(OVERVIEW_SOUP), OVERVIEW.coverage):
        assert row.th.a["href"] == f"physicians/{data.npi}.html"
        assert row.th.a.get_text() == data.name


def test_department_filter_offers_each_department_and_rows_carry_theirs():
    bar = OVERVIEW_SOUP.select_one("#dept-filter")
    assert bar.has_attr("hidden"), "without script the control stays hidden and every row shows"
    assert [o["value"] for o in bar.select("option")] == ["", *OVERVIEW.departments]
    assert [r["data-department"] for r in coverage_rows(OVERVIEW_SOUP)] == [r.department for r in OVERVIEW.coverage]
    filtered = OVERVIEW_SOUP.select("[data-department]")
    assert filtered and not any(node.has_attr("hidden") for node in filtered)


def test_department_with_ampersand_is_escaped_in_attribute_and_option():
    assert 'value="Obstetrics &amp; Gynecology"' in OVERVIEW_HTML
    assert "Obstetrics & Gynecology" in [o.get_text() for o in OVERVIEW_SOUP.select("#dept-select option")]


def test_contact_fixes_are_grouped_by_source_with_shown_and_expected():
    groups = OVERVIEW_SOUP.select("#contact .contact-group")
    assert [g["data-source"] for g in groups] == [g.site.key for g in OVERVIEW.contact_fixes]
    first_group, first_item = groups[0], OVERVIEW.contact_fixes[0].items[0]
    row = first_group.select("tbody tr")[0]
    assert row.select_one(".shown-bad").get_text() == first_item.shown
    assert row.select_one(".expected").get_text() == first_item.expected
    assert row.th.a["href"] == f"physicians/{first_item.npi}.html"
    assert len(first_group.select("tbody tr")) == len(OVERVIEW.contact_fixes[0].items)


def test_coverage_by_site_shows_each_state_count_and_the_listed_share():
    data = dataclasses.replace(OVERVIEW, coverage_by_source=[
        SiteCoverage(site("healthgrades"), listed=3, missing=1, review=1, unknown=2, not_crawled=1, share=0.75)])
    row = soup_of(render_overview(data)).select_one('#site-summary tr[data-source="healthgrades"]')
    assert [td.get_text(strip=True) for td in row.select("td")] == ["3", "1", "1", "2", "1", "75%"]


def test_a_capped_matrix_says_how_many_physicians_it_leaves_out_and_where_they_are():
    data = dataclasses.replace(OVERVIEW, coverage_note=MatrixNote(shown=30, physicians=10000, with_gaps=2400, complete=7600))
    text = soup_of(render_overview(data)).select_one("#coverage .capped").get_text(" ", strip=True)
    assert "30 physicians with the most gaps" in text and "of the 2400" in text and "7600 physicians are listed on every site" in text
    assert "findings.xlsx" in text


def test_contact_fixes_beyond_the_limit_point_to_the_full_export():
    data = copy.deepcopy(OVERVIEW)
    data.contact_fixes[0].total = 95
    head = soup_of(render_overview(data)).select_one("#contact .contact-group h3").get_text(" ", strip=True)
    assert f"showing {len(data.contact_fixes[0].items)} of 95" in head and "findings.xlsx" in head


def test_department_coverage_and_ratings_rows_follow_the_department_filter():
    soup = OVERVIEW_SOUP
    depts = [r["data-department"] for r in soup.select("#coverage-departments tbody tr")]
    assert depts == [d.department for d in OVERVIEW.coverage_by_department]
    assert [r["data-department"] for r in soup.select("#trend table.dept-ratings tbody tr")] == [d.department for d in OVERVIEW.department_ratings]
    assert all(r.select_one("svg.spark") for r in soup.select("#trend table.dept-ratings tbody tr"))


def test_crawl_health_says_when_a_parser_looks_broken_and_why():
    row = OVERVIEW_SOUP.select_one('#crawl tr[data-source="vitals"]').get_text(" ", strip=True)
    assert "parser looks broken" in row and "rating missing on 95% of profiles" in row
    assert "parser looks broken" not in OVERVIEW_SOUP.select_one('#crawl tr[data-source="healthgrades"]').get_text(" ")


def test_rating_trend_is_an_inline_svg_chart_with_a_legend():
    svg = OVERVIEW_SOUP.select_one("#trend svg.chart")
    assert svg.title.get_text().startswith("Average rating by week")
    assert [g.get_text() for g in svg.select("g.legend")] == ["All sources", "Healthgrades", "Vitals", "WebMD", "Zocdoc"]


def test_movers_show_from_to_and_signed_change_in_given_order():
    rows = OVERVIEW_SOUP.select("#movers tbody tr[data-department]")
    assert len(rows) == len(OVERVIEW.movers)
    first, data = rows[0], OVERVIEW.movers[0]
    cells = [td.get_text(" ", strip=True) for td in first.select("td")]
    assert fmt_rating(data.start) in cells and fmt_rating(data.to) in cells
    assert f"▼ {fmt_change(data.change)}" in cells


def test_negative_reviews_come_with_the_hipaa_reminder():
    section = OVERVIEW_SOUP.select_one("#reviews")
    assert "HIPAA" in section.select_one(".notice").get_text()
    assert "do not confirm or imply that the reviewer is a patient" in section.select_one(".notice").get_text()
    assert len(section.select("article.review")) == len(OVERVIEW.negative_reviews)


def test_review_script_shows_as_text_and_never_as_markup():
    text = OVERVIEW_SOUP.select_one("#reviews").get_text()
    assert report_sample.HOSTILE_REVIEW_TEXT in text
    assert report_sample.HOSTILE_AUTHOR in text
    for _, html in all_pages():
        soup = soup_of(html)
        assert soup.find("img") is None
        assert all("alert" not in script.get_text() for script in soup.find_all("script"))
        assert not any(attr.startswith("on") for tag in soup.find_all(True) for attr in tag.attrs)


def test_crawl_health_says_what_was_not_seen():
    rows = OVERVIEW_SOUP.select("#crawl tbody tr")
    assert [r["data-source"] for r in rows] == [s.key for s in OVERVIEW.sites]
    vitals = OVERVIEW_SOUP.select_one('#crawl tr[data-source="vitals"]').get_text(" ", strip=True)
    assert "parser looks broken" in vitals
    assert "not as missing" in OVERVIEW_SOUP.select_one("#site-summary").get_text()


def test_empty_overview_renders_placeholders():
    soup = overview_with(
        previous_week=None, findings_by_kind=[], coverage=[], contact_fixes=[], movers=[], negative_reviews=[],
        crawl_health=[], rating_trend=Trend([], []),
    )
    text = soup.get_text(" ", strip=True)
    for message in ["No open findings.", "No active physicians on the roster.", "No outdated phone numbers",
                    "No rating moved noticeably.", "No new negative reviews this week.", "No ratings in this period",
                    "First week: no changes to compare"]:
        assert message in text


def test_missing_contract_key_fails_loudly():
    fields = {f.name: getattr(OVERVIEW, f.name) for f in dataclasses.fields(Overview) if f.name != "headline"}
    with pytest.raises(TypeError, match="headline"):
        Overview(**fields)
    with pytest.raises(UndefinedError):
        render_overview(dataclasses.replace(OVERVIEW, headline=None))


def test_overview_of_500_physicians_stays_under_500_kb():
    overview, _ = report_sample.build_sample(500)
    size = len(render_overview(overview).encode("utf-8"))
    assert size < 500_000, f"{size / 1000:.0f} KB"


# --- physician page --------------------------------------------------------------------------


def physician_soup(page) -> BeautifulSoup:
    return soup_of(PHYSICIAN_HTML[page.physician.npi])


def test_physician_header_shows_identity_and_links_back_to_overview():
    page = PHYSICIANS[0]
    soup = physician_soup(page)
    header = soup.select_one("header.masthead")
    assert header.h1.get_text() == page.physician.name
    assert header.select_one('[data-field="npi"]').get_text() == page.physician.npi
    assert page.physician.specialty in header.get_text()
    assert header.select_one("a.back")["href"] == "../index.html"


def test_checklist_has_one_item_per_fix_with_label_and_text():
    page = page_with(lambda p: len(p.checklist) >= 2)
    items = physician_soup(page).select("#todo ol.checklist li")
    assert [(li["data-kind"], li.select_one(".what").get_text()) for li in items] == [(c.kind.key, c.text) for c in page.checklist]


def test_listing_rows_mark_contact_mismatches():
    page = page_with(lambda p: any(l.phone_ok is False for l in p.listings))
    listing = next(l for l in page.listings if l.phone_ok is False)
    row = physician_soup(page).select_one(f'#listings tr[data-source="{listing.site.key}"]')
    phone = row.select_one('td[data-check="phone"]')
    assert "mismatch" in phone["class"]
    assert phone.select_one(".bad-mark").get_text() == "✗"
    assert "differs from roster" in phone.get_text()
    assert listing.phones[0] in phone.get_text()


def test_listing_rows_mark_matches_and_absent_values():
    page = page_with(lambda p: any(l.phone_ok is None for l in p.listings))
    listing = next(l for l in page.listings if l.phone_ok is None)
    row = physician_soup(page).select_one(f'#listings tr[data-source="{listing.site.key}"]')
    assert "none shown" in row.select_one('td[data-check="phone"]').get_text()
    address = row.select_one('td[data-check="address"]')
    if listing.address_ok:
        assert address.select_one(".ok-mark").get_text() == "✓"


def test_listing_row_shows_rating_review_count_and_link():
    page = PHYSICIANS[0]
    listing = page.listings[0]
    row = physician_soup(page).select_one(f'#listings tr[data-source="{listing.site.key}"]')
    cells = [td.get_text(strip=True) for td in row.select("td")]
    assert fmt_rating(listing.rating) in cells and str(listing.review_count) in cells
    assert row.select_one("a")["href"] == listing.url


def test_javascript_listing_url_is_shown_as_text_not_linked():
    page = page_with(lambda p: any(l.url == report_sample.HOSTILE_URL for l in p.listings))
    soup = physician_soup(page)
    assert soup.select_one("#listings .no-link") is not None
    assert not soup.select('a[href^="javascript" i]')


def test_physician_coverage_lists_every_source_state():
    page = page_with(lambda p: any(c.state == "unknown" for c in p.coverage))
    rows = physician_soup(page).select("#coverage tbody tr")
    assert [(r["data-source"], r["data-state"]) for r in rows] == [(c.site.key, c.state) for c in page.coverage]
    unknown = next(r for r in rows if r["data-state"] == "unknown")
    assert "? Unknown" in unknown.get_text(" ", strip=True)


def test_physician_reviews_keep_order_and_show_responses():
    page = page_with(lambda p: any(r.response for r in p.reviews))
    articles = physician_soup(page).select("#reviews article.review")
    assert [a.blockquote.get_text() for a in articles] == [r.text for r in page.reviews]
    responded = next(i for i, r in enumerate(page.reviews) if r.response)
    assert page.reviews[responded].response in articles[responded].select_one(".response").get_text()


def test_physician_trend_chart_emphasises_the_weighted_average():
    page = PHYSICIANS[0]
    svg = physician_soup(page).select_one("#trend svg.chart")
    legend = [g.get_text() for g in svg.select("g.legend")]
    assert legend[-1] == "Weighted average"
    assert svg.select("g.legend line")[-1]["stroke-width"] == "3"


def test_physician_page_with_nothing_found_renders_placeholders():
    page = dataclasses.replace(PHYSICIANS[0], listings=[], coverage=[], reviews=[], checklist=[], findings=[], trend=Trend([], []))
    text = soup_of(render_physician(page)).get_text(" ", strip=True)
    for message in ["Nothing to fix", "No listing found", "No reviews read yet.", "No site was searched", "No ratings in this period"]:
        assert message in text


# --- every page ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "html"), EVERY_PAGE)
def test_page_loads_no_external_resource(name, html):
    soup = soup_of(html)
    for tag in soup.find_all(RESOURCE_TAGS):
        if tag.name == "script":
            assert not tag.has_attr("src"), name
            continue
        pytest.fail(f"{name}: resource tag <{tag.name}>")
    for tag in soup.find_all(True):
        for attr in ("src", "srcset", "poster", "background", "xlink:href"):
            assert not tag.has_attr(attr), f"{name}: <{tag.name} {attr}>"
    style = " ".join(s.get_text() for s in soup.find_all("style")) + " ".join(t.get("style", "") for t in soup.find_all(True))
    assert "url(" not in style and "@import" not in style
    assert not re.search(r"""(?:src|href)\s*=\s*["']?https?:[^"'\s>]*\.(?:css|js|png|jpe?g|gif|svg|woff2?)""", html, re.I)


@pytest.mark.parametrize(("name", "html"), EVERY_PAGE)
def test_page_links_only_to_http_or_relative_report_files(name, html):
    for link in soup_of(html).find_all("a", href=True):
        href = link["href"]
        assert (
            href.startswith(("https://", "http://", "#"))
            or re.fullmatch(r"(\.\./index|physicians/\d+)\.html", href)
        ), f"{name}: {href}"


def test_content_security_policy_blocks_loads_and_allows_only_our_script():
    csp = OVERVIEW_SOUP.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "default-src 'none'" in csp
    (script,) = OVERVIEW_SOUP.find_all("script")
    digest = base64.b64encode(hashlib.sha256(script.string.encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp
    physician_csp = physician_soup(PHYSICIANS[0]).find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "script-src" not in physician_csp, "a page without script allows none (default-src 'none')"


def test_print_styles_hide_the_filter_and_keep_rows_whole():
    css = OVERVIEW_SOUP.style.get_text()
    print_css = css[css.index("@media print"):]
    assert ".filter-bar" in print_css and "display: none" in print_css
    assert re.search(r"tr[^{]*\{[^}]*break-inside: avoid", print_css)


# --- writing files ---------------------------------------------------------------------------


def test_write_reports_writes_index_and_physician_pages_whose_links_resolve(tmp_path):
    paths = write_reports(tmp_path, OVERVIEW, PHYSICIANS)
    assert paths[0] == tmp_path / "index.html"
    assert sorted(p.name for p in paths[1:]) == sorted(f"{p.physician.npi}.html" for p in PHYSICIANS)
    index = soup_of((tmp_path / "index.html").read_text(encoding="utf-8"))
    relative = {a["href"] for a in index.find_all("a", href=True) if not a["href"].startswith(("http", "#"))}
    assert relative and all((tmp_path / href).is_file() for href in relative)
    page = soup_of(paths[1].read_text(encoding="utf-8"))
    assert (paths[1].parent / page.select_one("a.back")["href"]).resolve() == (tmp_path / "index.html").resolve()


def test_write_reports_without_overview_writes_only_physician_pages(tmp_path):
    paths = write_reports(tmp_path, None, PHYSICIANS[:2])
    assert not (tmp_path / "index.html").exists()
    assert [p.parent for p in paths] == [tmp_path / "physicians"] * 2


@pytest.mark.parametrize("npi", ["../../etc/evil", "12 34", "", "a/b"])
def test_write_reports_refuses_unsafe_file_names(tmp_path, npi):
    page = copy.deepcopy(PHYSICIANS[0])
    page.physician.npi = npi
    with pytest.raises(ValueError):
        write_reports(tmp_path, None, [page])


# --- the registries decide -------------------------------------------------------------------


def test_a_new_finding_kind_shows_with_its_label_severity_and_value_to_replace_without_a_template_change(monkeypatch):
    from reputation.findings import BY_KEY, KINDS, FindingKind, rules
    from reputation.reporting import PhysicianPages, build_overview, display
    from reputation.reporting import overview as overview_module

    new = FindingKind("wrong_specialty", "Wrong specialty", "high", "Correct the specialty on {source}: {shown} → {expected}",
                      rules.missing_listings, replaces_value=True)
    monkeypatch.setattr(overview_module, "KINDS", (*KINDS, new))
    monkeypatch.setitem(BY_KEY, new.key, new)
    display.kind.cache_clear()
    data = report_sample.build_input(6)
    npi = data.roster["npi"].iloc[0]
    row = {**data.findings.iloc[0].to_dict(), "npi": npi, "source": "vitals", "kind": new.key, "url": "https://www.vitals.com/x",
           "shown": "Dermatology", "expected": "Cardiology"}
    data.findings = pd.DataFrame([row])
    overview, page = build_overview(data), PhysicianPages(data).page(npi)
    display.kind.cache_clear()

    soup = soup_of(render_overview(overview))
    counted = soup.select_one('#findings tr[data-kind="wrong_specialty"]')
    assert counted.th.get_text(strip=True) == "Wrong specialty" and counted.td.get_text(strip=True) == "1"
    fix = soup.select_one('#contact .contact-group[data-source="vitals"] tbody tr')
    assert fix.select("td")[0].get_text() == "Wrong specialty" and fix.select_one(".shown-bad").get_text() == "Dermatology"
    page_soup = soup_of(render_physician(page))
    item = page_soup.select_one('#todo li[data-kind="wrong_specialty"]')
    assert item.select_one(".tag")["class"] == ["tag", "tag-bad"] and item.select_one(".tag").get_text() == "Wrong specialty"
    assert item.select_one(".what").get_text() == "Correct the specialty on vitals: Dermatology → Cardiology"
    listed = page_soup.select_one('#todo table.findings tr[data-kind="wrong_specialty"]')
    assert listed.select_one(".shown-bad").get_text() == "Dermatology" and listed.select_one(".expected").get_text() == "Cardiology"


def test_sites_are_named_as_their_spiders_declare_them():
    from crawlers.sources import sources

    assert {s.key: site(s.key).label for s in sources()} == {s.key: s.label for s in sources()}
    assert site("all").label == "All sites"


def test_a_reply_disclosing_patient_information_tops_the_checklist_as_critical():
    from reputation.reporting import PhysicianPages

    data = report_sample.build_input(6)
    npi = data.roster["npi"].iloc[0]
    base = data.findings.iloc[0].to_dict()
    leak = {**base, "npi": npi, "source": "healthgrades", "kind": "phi_in_reply", "status": "open",
            "url": "https://www.healthgrades.com/x", "shown": 'the reply discloses name: "<b>Robert</b>"', "expected": None}
    missing = {**base, "npi": npi, "source": "vitals", "kind": "missing_listing", "status": "open", "url": None,
               "shown": "no listing found", "expected": None}
    data.findings = pd.DataFrame([missing, leak])
    soup = soup_of(render_physician(PhysicianPages(data).page(npi)))
    first = soup.select_one("#todo ol.checklist li")
    assert first["data-kind"] == "phi_in_reply"
    assert first.select_one(".tag")["class"] == ["tag", "tag-critical"]
    assert "tell your privacy officer" in first.select_one(".what").get_text()
    assert first.select_one(".what").get_text().endswith('name: "<b>Robert</b>"')  # escaped, shown as text


def test_the_physician_page_lists_unanswered_negative_reviews_with_their_age_and_a_safe_draft(monkeypatch):
    from reputation.replies import check_reply
    from reputation.reporting import PhysicianPages

    monkeypatch.setenv("REPMON_PATIENT_RELATIONS", "Patient Relations at 404-555-0100")
    data = report_sample.build_input(6)
    pages = PhysicianPages(data)
    npi = data.roster["npi"].iloc[0]  # has the hostile 1-star review, a day old at the latest crawl
    page = pages.page(npi)
    assert page.unanswered and all(r.rating <= 2 and r.response is None for r in page.unanswered)
    soup = soup_of(render_physician(page))
    cards = soup.select("#unanswered .unanswered")
    assert len(cards) == len(page.unanswered)
    hostile = [c for c in cards if report_sample.HOSTILE_REVIEW_TEXT in c.blockquote.get_text()]
    assert hostile and hostile[0]["data-age-days"] == "1"
    assert "Waiting 1 day for a reply" in hostile[0].select_one(".age").get_text()
    for card in cards:
        draft = card.select_one(".draft-text").get_text()
        assert "Patient Relations at 404-555-0100" in draft
        assert not check_reply(draft, card.select_one(".review-foot span").get_text().removeprefix("— ")).discloses


def test_the_overview_lists_the_replies_to_take_down_escaped():
    from reputation.reporting import build_overview

    data = report_sample.build_input(6)
    npi = data.roster["npi"].iloc[0]
    leak = {**data.findings.iloc[0].to_dict(), "npi": npi, "source": "healthgrades", "kind": "phi_in_reply",
            "status": "open", "url": "https://www.healthgrades.com/x", "shown": 'discloses name: "<i>Robert</i>"',
            "expected": None}
    data.findings = pd.concat([data.findings, pd.DataFrame([leak])], ignore_index=True)
    soup = soup_of(render_overview(build_overview(data)))
    rows_shown = soup.select("#take-down tbody tr")
    assert len(rows_shown) == 1
    assert rows_shown[0].select("td")[1].get_text() == 'discloses name: "<i>Robert</i>"'
    assert rows_shown[0].select_one("a")["href"] == f"physicians/{npi}.html"
    empty = report_sample.build_input(6)
    assert not soup_of(render_overview(build_overview(empty))).select("#take-down")
