"""The digest's chart: the last 14 days' new and closed tickets (bars) and the backlog (line),
as a PNG for Telegram.

Drawn on a bare matplotlib Figure with the Agg canvas: no pyplot, so no global figure state
and nothing to close. Chinese text uses Noto Sans CJK SC loaded by file from the
mplfonts package, never a system font: a fresh server usually has no CJK font and matplotlib
would silently draw empty boxes.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from datetime import date
from importlib import resources
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import MaxNLocator

from bot import texts
from bot.config import Config
from bot.digest.numbers import Digest

FONT_FILE = "NotoSansCJKsc-Regular.otf"
WIDTH, HEIGHT, DPI = 9, 5, 100  # inches at DPI: 900 × 500 px
NEW_COLOUR, CLOSED_COLOUR, BACKLOG_COLOUR = "#4C78A8", "#54A24B", "#E45756"
_LOCK = threading.Lock()


class ChartFontMissing(RuntimeError):
    """The CJK font file is not installed; the message says how to install it."""


def font_path() -> Path:
    """The Noto Sans CJK SC file shipped in the mplfonts package (raises ChartFontMissing)."""
    try:
        path = Path(str(resources.files("mplfonts") / "fonts" / FONT_FILE))
    except ModuleNotFoundError:
        path = Path("mplfonts") / "fonts" / FONT_FILE
    if not path.is_file():
        raise ChartFontMissing(texts.CHART_FONT_MISSING.format(path=path))
    return path


def chart_font(size: float = 11) -> FontProperties:
    """The CJK font at `size` points (matplotlib caches the parsed file)."""
    return FontProperties(fname=font_path(), size=size)


def _day_label(day: date) -> str:
    return texts.CHART_DAY.format(month=day.month, day=day.day)


def render_chart(config: Config, digest: Digest) -> bytes:
    """The PNG (900 × 500 px) of the digest's day series."""
    font_path()  # fail before drawing, with the message that says how to install the font
    # matplotlib does not promise thread safety; a digest chart is drawn a few times a day.
    with _LOCK:
        return draw_chart(digest, chart_font)


def draw_chart(digest: Digest, make_font: Callable[[float], FontProperties]) -> bytes:
    """The chart with text in `make_font(size)` (tests pass another font to compare)."""
    series = digest.series
    labels = [_day_label(r.day) for r in series]
    x = list(range(len(series)))

    fig = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    FigureCanvasAgg(fig)
    # Fixed margins instead of tight/constrained layout: those draw the figure twice.
    fig.subplots_adjust(left=0.07, right=0.92, top=0.82, bottom=0.13)
    ax = fig.add_subplot()
    width = 0.38
    bars_new = ax.bar([i - width / 2 for i in x], [r.new for r in series], width,
                      color=NEW_COLOUR, label=texts.CHART_NEW)
    bars_closed = ax.bar([i + width / 2 for i in x], [r.closed for r in series], width,
                         color=CLOSED_COLOUR, label=texts.CHART_CLOSED)
    # The backlog can be far larger than a day's flow: its own axis keeps the bars readable.
    ax2 = ax.twinx()
    (line,) = ax2.plot(x, [r.backlog for r in series], color=BACKLOG_COLOUR, marker="o",
                       linewidth=2, markersize=4, label=texts.CHART_BACKLOG)
    ax.set_xticks(x, labels)
    for axis in (ax, ax2):
        # From 0, and at least to 1: an empty fortnight would otherwise get a 0–0.05 scale.
        axis.set_ylim(0, max(1.0, axis.get_ylim()[1]))
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))  # no half tickets
        for tick in (*axis.get_xticklabels(), *axis.get_yticklabels()):
            tick.set_fontproperties(make_font(9))
    ax.spines["top"].set_visible(False)
    ax2.spines["top"].set_visible(False)

    first = series[0].day if series else digest.yesterday
    last = series[-1].day if series else digest.yesterday
    fig.suptitle(
        texts.CHART_TITLE.format(
            community=digest.community_name, days=len(series),
            first=_day_label(first), last=_day_label(last),
        ),
        fontproperties=make_font(15), y=0.97,
    )
    ax.set_xlabel(texts.CHART_X_LABEL, fontproperties=make_font(11))
    ax.set_ylabel(texts.CHART_Y_LABEL, fontproperties=make_font(11))
    ax2.set_ylabel(texts.CHART_Y2_LABEL, fontproperties=make_font(11))
    # Above the plot, under the title: inside it would hide the tallest bars.
    ax.legend(handles=[bars_new, bars_closed, line], prop=make_font(10), loc="lower center",
              bbox_to_anchor=(0.5, 1.0), frameon=False, ncols=3)

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
