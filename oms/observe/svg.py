"""Charts drawn by the server as inline SVG: no script, no chart library, nothing fetched from
elsewhere (admin networks often have no internet). Every text is escaped."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Distinguishable on white, and for the common colour blindnesses (Okabe-Ito).
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 900, 260, 48, 28, 12


def line_chart(
    ticks: Sequence[str], series: dict[str, Sequence[int]], *, label: str, tick_every: int = 24
) -> SafeString:
    """One line per series over the same x positions; `ticks` label every `tick_every`-th one."""
    peak = max((max(values, default=0) for values in series.values()), default=0) or 1
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    step = plot_w / max(len(ticks) - 1, 1)

    def y(value: int) -> float:
        return TOP + plot_h - plot_h * value / peak

    parts = [_axes(plot_w, plot_h, peak)]
    for i in range(0, len(ticks), tick_every):
        x = LEFT + i * step
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 8}" font-size="11" text-anchor="middle">{escape(ticks[i])}</text>'
        )
    for n, (name, values) in enumerate(series.items()):
        colour = COLOURS[n % len(COLOURS)]
        points = " ".join(f"{LEFT + i * step:.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(
            f'<polyline class="series" data-series="{escape(name)}" data-total="{sum(values)}" '
            f'fill="none" stroke="{colour}" stroke-width="1.5" points="{points}"><title>{escape(name)}: '
            f"{sum(values)}</title></polyline>"
        )
    return _svg(label, parts)


def bar_chart(rows: Sequence[tuple[str, int]], *, label: str) -> SafeString:
    """Horizontal bars, one per (name, value), largest first as given."""
    bar, gap, name_w = 18, 6, 360
    height = TOP + len(rows) * (bar + gap) + 4
    peak = max((value for _, value in rows), default=0) or 1
    plot_w = WIDTH - name_w - 70
    parts = []
    for i, (name, value) in enumerate(rows):
        top = TOP + i * (bar + gap)
        width = max(plot_w * value / peak, 1)
        parts.append(
            f'<text x="{name_w - 6}" y="{top + 13}" font-size="12" text-anchor="end">{escape(name)}</text>'
            f'<rect class="bar" data-name="{escape(name)}" data-value="{value}" x="{name_w}" y="{top}" '
            f'width="{width:.1f}" height="{bar}" fill="{COLOURS[0]}"><title>{escape(name)}: {value}</title></rect>'
            f'<text x="{name_w + width + 6:.1f}" y="{top + 13}" font-size="12">{value}</text>'
        )
    return _svg(label, parts, height=height)


def _axes(plot_w: float, plot_h: float, peak: int) -> str:
    base = TOP + plot_h
    return (
        f'<line x1="{LEFT}" y1="{base}" x2="{LEFT + plot_w}" y2="{base}" stroke="#888"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}" stroke="#888"/>'
        f'<text x="{LEFT - 6}" y="{TOP + 4}" font-size="11" text-anchor="end">{peak}</text>'
        f'<text x="{LEFT - 6}" y="{base}" font-size="11" text-anchor="end">0</text>'
    )


def _svg(label: str, parts: list[str], *, height: int = HEIGHT) -> SafeString:
    body = "".join(parts)
    return mark_safe(
        f'<svg class="chart" role="img" aria-label="{escape(label)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" style="max-width:{WIDTH}px" xmlns="http://www.w3.org/2000/svg">{body}</svg>'
    )
