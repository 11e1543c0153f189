"""The sign-ups-per-day chart as geometry for an inline SVG (drawn by the template).

Pure: days and counts in, bar rectangles out. Drawn on the server, so the dashboard needs no
JavaScript and no CDN; the template adds a title, a description and a data table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 640, 200
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 36, 22, 8


@dataclass(frozen=True)
class Bar:
    day: date
    count: int
    x: float
    y: float
    width: float
    height: float

    @property
    def label(self):
        """The bar's category (a day, a rating): ``bar_chart`` takes any labels."""
        return self.day


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    maximum: int
    total: int
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - MARGIN_BOTTOM
    left: float = MARGIN_LEFT


def bar_chart(days: list[tuple[date, int]]) -> Chart:
    """Bars for ``days`` scaled into the chart area (the tallest bar fills it)."""
    maximum = max((n for _, n in days), default=0)
    area_width = WIDTH - MARGIN_LEFT - 4
    area_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    slot = area_width / len(days) if days else 0
    gap = min(2.0, slot * 0.2)
    bars = []
    for i, (day, count) in enumerate(days):
        height = area_height * count / maximum if maximum else 0
        bars.append(
            Bar(
                day=day,
                count=count,
                x=round(MARGIN_LEFT + i * slot + gap / 2, 2),
                y=round(HEIGHT - MARGIN_BOTTOM - height, 2),
                width=round(max(slot - gap, 0.5), 2),
                height=round(height, 2),
            )
        )
    return Chart(bars=bars, maximum=maximum, total=sum(n for _, n in days))
