"""The geometry of the dashboard's bar charts. The templates draw them as SVG on the
server: no script, nothing fetched from elsewhere, and no style attribute (the CSP forbids
inline styles), only SVG presentation attributes and stylesheet classes."""

from dataclasses import dataclass
from datetime import date

from portique.helpdesk.selectors.counts import DayCount
from portique.helpdesk.selectors.funnel import Funnel


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    value_x: float
    value_y: float
    show_label: bool = True


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    maximum: int
    axis_y: float = 0


def _scale(value: int, maximum: int, length: float) -> float:
    return round(length * value / maximum, 1) if maximum else 0.0


FUNNEL_WIDTH, FUNNEL_LABELS, FUNNEL_ROW = 720, 260, 30


def funnel_chart(funnel: Funnel) -> Chart:
    """Horizontal bars, one per stage, its label on the left and its count after it."""
    maximum = max((stage.count for stage in funnel.stages), default=0)
    room = FUNNEL_WIDTH - FUNNEL_LABELS - 60
    bars = []
    for row, stage in enumerate(funnel.stages):
        length = _scale(stage.count, maximum, room)
        top = row * FUNNEL_ROW + 4
        middle = top + (FUNNEL_ROW - 8) / 2
        bars.append(
            Bar(
                label=str(stage.label),
                value=stage.count,
                x=FUNNEL_LABELS,
                y=top,
                width=length,
                height=FUNNEL_ROW - 8,
                label_x=FUNNEL_LABELS - 8,
                label_y=middle,
                value_x=FUNNEL_LABELS + length + 6,
                value_y=middle,
            )
        )
    return Chart(width=FUNNEL_WIDTH, height=len(bars) * FUNNEL_ROW + 4, bars=bars, maximum=maximum)


DAYS_WIDTH, DAYS_HEIGHT, DAYS_BELOW, DAYS_ABOVE, DAYS_MARGIN = 720, 220, 24, 18, 20


def days_chart(days: list[DayCount]) -> Chart:
    """Vertical bars, one per day: the count above each bar that has one, the date under
    the last day and every seventh day before it."""
    maximum = max((day.count for day in days), default=0)
    # A margin on each side, so that the first and last dates are not cut in half.
    slot = (DAYS_WIDTH - 2 * DAYS_MARGIN) / max(len(days), 1)
    axis = DAYS_HEIGHT - DAYS_BELOW
    room = axis - DAYS_ABOVE
    bars = []
    for index, day in enumerate(days):
        length = _scale(day.count, maximum, room)
        x = round(DAYS_MARGIN + index * slot + 2, 1)
        middle = round(DAYS_MARGIN + index * slot + slot / 2, 1)
        bars.append(
            Bar(
                label=_short(day.day),
                value=day.count,
                x=x,
                y=round(axis - length, 1),
                width=round(slot - 4, 1),
                height=length,
                label_x=middle,
                label_y=DAYS_HEIGHT - 6,
                value_x=middle,
                value_y=round(axis - length - 4, 1),
                show_label=(len(days) - 1 - index) % 7 == 0,
            )
        )
    return Chart(width=DAYS_WIDTH, height=DAYS_HEIGHT, bars=bars, maximum=maximum, axis_y=axis)


def _short(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}"
