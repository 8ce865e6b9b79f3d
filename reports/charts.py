"""Inline SVG charts for the HTML reports.

Charts are drawn server-side as SVG strings so a report is one file that opens
offline: no charting library, no script, no request. Every text that may come
from data (series labels, week names) is escaped here, because the result is
returned as ``Markup`` and the template will not escape it again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from markupsafe import Markup, escape

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
# Each series also gets its own dash pattern so the lines differ without colour.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#999999")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")
EMPHASIS_COLOUR = "#1f2937"


def _fmt(number: float) -> str:
    """Coordinates with one decimal keep the SVG small."""
    text = f"{number:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _value_text(value: float | None) -> str:
    return "no data" if value is None else f"{value:.2f}"


def _segments(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Split a point list at the gaps (None) into runs of consecutive points."""
    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for point in points:
        if point is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(point)
    if current:
        runs.append(current)
    return runs


def _path(run: Sequence[tuple[float, float]]) -> str:
    return "M" + "L".join(f"{_fmt(x)},{_fmt(y)}" for x, y in run)


def _chart_id(*parts: object) -> str:
    """A stable id so <title>/<desc> can be referenced when several charts share a page."""
    digest = hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()[:8]
    return f"chart-{digest}"


def _y_ticks(y_min: float, y_max: float) -> list[float]:
    span = y_max - y_min
    if span <= 0:
        return [y_min]
    step = 0.5 if span <= 2 else 1.0 if span <= 6 else span / 5
    ticks, tick = [], float(y_min)
    while tick <= y_max + 1e-9:
        ticks.append(tick)
        tick += step
    return ticks


def _week_label(week: str, compact: bool) -> str:
    """'2026-W47' reads as 'W47' when space is short; other labels pass through."""
    if compact and len(week) == 8 and week[4:6] == "-W":
        return week[5:]
    return week


def _legend_layout(labels: Sequence[str], left: float, available: float) -> list[tuple[float, int]]:
    """(x, row) for each legend entry, flowing left to right and wrapping like text.

    Text width is estimated (about 7 px a character at 12 px) since SVG cannot measure it here.
    """
    placed, x, row = [], left, 0
    for label in labels:
        entry = 30 + 7 * len(label) + 24
        if x > left and x + entry > left + available:
            x, row = left, row + 1
        placed.append((x, row))
        x += entry
    return placed


def line_chart(
    weeks: Sequence[str],
    series: Sequence[dict],
    y_min: float = 1,
    y_max: float = 5,
    *,
    title: str = "Average rating by week",
    width: int = 720,
    height: int = 240,
) -> Markup:
    """A line chart of weekly values as inline SVG.

    ``series`` items are ``{"label": str, "values": [float | None, ...]}`` aligned with
    ``weeks``; None leaves a gap in the line. An optional ``"emphasis": True`` draws the
    series thicker in a dark neutral colour (used for the all-sources average).
    Values outside ``y_min``..``y_max`` are clamped to the plot area.
    """
    chart_id = _chart_id(tuple(weeks), [(s["label"], tuple(s["values"])) for s in series], title)
    desc_parts = []
    for item in series:
        values = ", ".join(f"{week}: {_value_text(v)}" for week, v in zip(weeks, item["values"]))
        desc_parts.append(f"{item['label']}: {values}")
    description = "; ".join(desc_parts) or "No data"

    left, right, top = 40, 16, 12
    legend = _legend_layout([item["label"] for item in series], left, width - left - right)
    legend_rows = 1 + max((row for _, row in legend), default=0)
    bottom = 30 + 20 * legend_rows
    plot_w, plot_h = width - left - right, height - top - bottom

    out: list[str] = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]

    has_data = any(v is not None for item in series for v in item["values"])
    if not weeks or not has_data:
        out.append(
            f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" '
            f'class="chart-empty">No ratings in this period</text></svg>'
        )
        return Markup("".join(out))

    def x_at(index: int) -> float:
        if len(weeks) == 1:
            return left + plot_w / 2
        return left + plot_w * index / (len(weeks) - 1)

    def y_at(value: float) -> float:
        clamped = min(max(value, y_min), y_max)
        return top + plot_h * (1 - (clamped - y_min) / (y_max - y_min or 1))

    # Horizontal grid lines with the y labels.
    for tick in _y_ticks(y_min, y_max):
        y = _fmt(y_at(tick))
        out.append(f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}"/>')
        label = f"{tick:.0f}" if float(tick).is_integer() else f"{tick:.1f}"
        out.append(f'<text class="tick" x="{left - 8}" y="{y}" dy="4" text-anchor="end">{label}</text>')

    # Week labels, thinned out so they never overlap; the end labels align inwards so they are not cut.
    compact = len(weeks) > 6 or plot_w / len(weeks) < 70
    max_labels = max(1, int(plot_w // (44 if compact else 70)))
    stride = max(1, -(-len(weeks) // max_labels))
    for index, week in enumerate(weeks):
        last = index == len(weeks) - 1
        if index % stride and not last:
            continue
        anchor = "middle"
        if len(weeks) > 1 and index == 0:
            anchor = "start"
        elif len(weeks) > 1 and last:
            anchor = "end"
        out.append(
            f'<text class="tick" x="{_fmt(x_at(index))}" y="{top + plot_h + 18}" '
            f'text-anchor="{anchor}">{escape(_week_label(week, compact))}</text>'
        )

    for number, item in enumerate(series):
        emphasis = bool(item.get("emphasis"))
        colour = EMPHASIS_COLOUR if emphasis else PALETTE[number % len(PALETTE)]
        dash = "" if emphasis else DASHES[number % len(DASHES)]
        stroke_width = 3 if emphasis else 2
        points = [
            None if value is None else (x_at(i), y_at(value))
            for i, value in enumerate(item["values"][: len(weeks)])
        ]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<g class="series" stroke="{colour}" fill="{colour}">')
        out.append(f"<title>{escape(item['label'])}</title>")
        for run in _segments(points):
            if len(run) > 1:
                out.append(
                    f'<path d="{_path(run)}" fill="none" stroke-width="{stroke_width}"'
                    f'{dash_attr} stroke-linejoin="round" stroke-linecap="round"/>'
                )
        for (x, y), value in zip(
            (p for p in points if p is not None), (v for v in item["values"] if v is not None)
        ):
            out.append(
                f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="{3.5 if emphasis else 3}" stroke="none">'
                f"<title>{escape(item['label'])}: {value:.2f}</title></circle>"
            )
        out.append("</g>")

    # Legend under the axis: a short sample of each line, then its label.
    legend_top = top + plot_h + 40
    for number, (item, (x, row)) in enumerate(zip(series, legend)):
        emphasis = bool(item.get("emphasis"))
        colour = EMPHASIS_COLOUR if emphasis else PALETTE[number % len(PALETTE)]
        dash = "" if emphasis else DASHES[number % len(DASHES)]
        y = legend_top + 20 * row
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<g class="legend"><line x1="{_fmt(x)}" x2="{_fmt(x + 24)}" y1="{y}" y2="{y}" '
            f'stroke="{colour}" stroke-width="{3 if emphasis else 2}"{dash_attr}/>'
            f'<text x="{_fmt(x + 30)}" y="{y}" dy="4">{escape(item["label"])}</text></g>'
        )

    out.append("</svg>")
    return Markup("".join(out))


def sparkline(
    values: Sequence[float | None],
    y_min: float | None = None,
    y_max: float | None = None,
    *,
    min_span: float = 1.0,
    width: int = 64,
    height: int = 18,
    label: str = "Weekly rating",
) -> Markup:
    """A tiny trend line for a table cell; gaps for None, a dot on the latest value.

    Without ``y_min``/``y_max`` the scale centres on the values and spans at least
    ``min_span`` (one star), so a real drop shows and weekly noise stays flat.
    """
    known = [v for v in values if v is not None]
    summary = (
        f"{label}: " + " → ".join(_value_text(v) for v in values) if known else f"{label}: no data"
    )
    out = [
        f'<svg class="spark" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(summary)}">'
        f"<title>{escape(summary)}</title>"
    ]
    if known:
        low, high = min(known), max(known)
        if y_min is None or y_max is None:
            span = max(min_span, high - low)
            middle = (high + low) / 2
            y_min, y_max = middle - span / 2, middle + span / 2
        pad = 2.5
        scale = (y_max - y_min) or 1

        def point(index: int, value: float) -> tuple[float, float]:
            x = width / 2 if len(values) == 1 else pad + (width - 2 * pad) * index / (len(values) - 1)
            clamped = min(max(value, y_min), y_max)
            return x, pad + (height - 2 * pad) * (1 - (clamped - y_min) / scale)

        points = [None if v is None else point(i, v) for i, v in enumerate(values)]
        for run in _segments(points):
            if len(run) > 1:
                out.append(f'<path d="{_path(run)}" fill="none" stroke="currentColor" stroke-width="1.5"/>')
            else:
                out.append(f'<circle cx="{_fmt(run[0][0])}" cy="{_fmt(run[0][1])}" r="1.2" fill="currentColor"/>')
        last_x, last_y = next(p for p in reversed(points) if p is not None)
        out.append(f'<circle cx="{_fmt(last_x)}" cy="{_fmt(last_y)}" r="2" fill="currentColor"/>')
    out.append("</svg>")
    return Markup("".join(out))
