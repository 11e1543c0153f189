"""The sign-ups-per-day chart as geometry for an inline SVG (drawn by the template).

Pure: days and counts in, bar rectangles and axis labels out. Drawn on the server, so the
dashboard needs no JavaScript and no CDN; the template adds a title, a description and a
data table.

It reads well from one day to sixty: bars are never wider than ``MAX_BAR`` (one or two days
are two slim bars, not one solid block), and at most ``MAX_LABELS`` days are labelled, spread
evenly, first and last included. The drawing is 360 units wide, about a phone's width, so
its 12-unit labels stay about 12 px on a phone instead of shrinking with a wide drawing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 360, 180
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 28, 22, 10
MAX_BAR = 24.0
MAX_LABELS = 4


@dataclass(frozen=True)
class Bar:
    day: date
    count: int
    x: float
    y: float
    width: float
    height: float

    @property
    def middle(self) -> float:
        return round(self.x + self.width / 2, 2)

    @property
    def label(self):
        """The bar's category (a day, a rating): ``bar_chart`` takes any labels."""
        return self.day


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    maximum: int
    total: int
    labelled: list[Bar]
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - MARGIN_BOTTOM
    left: float = MARGIN_LEFT


def labelled_bars(bars: list[Bar]) -> list[Bar]:
    """At most ``MAX_LABELS`` bars, evenly spread, the first and the last among them."""
    if len(bars) <= MAX_LABELS:
        return list(bars)
    step = (len(bars) - 1) / (MAX_LABELS - 1)
    return [bars[round(i * step)] for i in range(MAX_LABELS)]


def bar_chart(days: list[tuple[date, int]]) -> Chart:
    """Bars for ``days`` scaled into the chart area (the tallest bar fills it)."""
    maximum = max((n for _, n in days), default=0)
    area_width = WIDTH - MARGIN_LEFT - 4
    area_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    slot = area_width / len(days) if days else 0
    width = min(max(slot * 0.8, 0.5), MAX_BAR)
    bars = []
    for i, (day, count) in enumerate(days):
        height = area_height * count / maximum if maximum else 0
        bars.append(
            Bar(
                day=day,
                count=count,
                x=round(MARGIN_LEFT + i * slot + (slot - width) / 2, 2),
                y=round(HEIGHT - MARGIN_BOTTOM - height, 2),
                width=round(width, 2),
                height=round(height, 2),
            )
        )
    return Chart(
        bars=bars, maximum=maximum, total=sum(n for _, n in days), labelled=labelled_bars(bars)
    )
