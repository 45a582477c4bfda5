"""The digest chart: a real PNG of the right size, Chinese that actually renders in the bundled
CJK font (not tofu boxes), bars and a line that follow the numbers, and a clear error when the
font is not installed."""

from __future__ import annotations

import io
import logging
import struct
import warnings
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from matplotlib import image
from matplotlib.font_manager import FontProperties

from bot.config import Config
from bot.digest import chart
from bot.digest.chart import ChartFontMissing, chart_font, draw_chart, font_path, render_chart
from bot.digest.numbers import Digest
from bot.digest.stats import DayRow, Rates

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NO_RATES = Rates(None, None, None, 0, 0, 0, 0, 0, 0)


def make_digest(new: Sequence[int], closed: Sequence[int], backlog: Sequence[int],
                name: str = "和兴社区") -> Digest:
    first = date(2026, 10, 19)
    series = tuple(
        DayRow(first + timedelta(days=i), n, c, b)
        for i, (n, c, b) in enumerate(zip(new, closed, backlog, strict=True))
    )
    return Digest(
        community="hx", community_name=name, day=date(2026, 11, 2),
        now=datetime(2026, 11, 2, 1, tzinfo=UTC), new=0, claimed=0, resolved=0, closed=0,
        closed_unresolved=0, cancelled=0, backlog=(), backlog_total=0, overdue=(),
        overdue_total=0, unclaimed=(), unclaimed_total=0, rates_yesterday=NO_RATES,
        rates_period=NO_RATES, top_yesterday=(), top_period=(), volunteers=(), series=series,
    )


BUSY = make_digest(
    new=[3, 5, 2, 0, 7, 4, 4, 6, 1, 0, 2, 8, 5, 3],
    closed=[2, 4, 3, 1, 5, 6, 2, 5, 2, 1, 1, 6, 7, 4],
    backlog=[12, 13, 12, 11, 13, 11, 13, 14, 13, 12, 13, 15, 13, 12],
)


def pixels(png: bytes) -> np.ndarray:
    """RGB as 0–255 integers."""
    rgba = image.imread(io.BytesIO(png), format="png")
    return (rgba[..., :3] * 255).round().astype(int)


def count_colour(rgb: np.ndarray, hex_colour: str) -> int:
    target = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    return int((np.abs(rgb - target).sum(axis=2) <= 6).sum())


def dejavu(size: float) -> FontProperties:
    return FontProperties(family="DejaVu Sans", size=size)


def render_recording(draw: Callable[[], bytes]) -> tuple[bytes, list[str]]:
    """Call `draw()` and collect every warning and matplotlib log record it produced."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("matplotlib")
    handler = Collect(level=logging.WARNING)
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            png = draw()
    finally:
        logger.removeHandler(handler)
    messages = [str(w.message) for w in caught] + [r.getMessage() for r in records]
    return png, messages


def test_a_png_of_900_by_500(config: Config) -> None:
    png = render_chart(config, BUSY)
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (900, 500)
    assert pixels(png).shape == (500, 900, 3)
    assert len(png) < 150_000  # small enough to send every morning


def test_chinese_renders_without_missing_glyphs(config: Config) -> None:
    png, messages = render_recording(lambda: render_chart(config, BUSY))
    assert png[:8] == PNG_SIGNATURE
    assert not [m for m in messages if "missing from font" in m or "findfont" in m], messages


def test_the_detector_catches_tofu() -> None:
    # The same chart in DejaVu Sans (no CJK glyphs) must trip the check above.
    _, messages = render_recording(lambda: draw_chart(BUSY, dejavu))
    assert any("missing from font" in m for m in messages)


def test_the_cjk_font_draws_real_characters() -> None:
    other = replace(BUSY, community_name="安康社区")  # same length, other characters
    title = slice(0, 45)  # the title band: the rest of both charts is identical

    def top(digest: Digest, font: Callable[[float], FontProperties]) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DejaVu complains about every CJK glyph
            return pixels(draw_chart(digest, font))[title]

    cjk_a, cjk_b = top(BUSY, chart_font), top(other, chart_font)
    tofu_a, tofu_b = top(BUSY, dejavu), top(other, dejavu)
    # DejaVu draws every Chinese character as the same box: two names look alike ...
    assert np.array_equal(tofu_a, tofu_b)
    # ... the CJK font draws the characters themselves: the names differ, and so does the font
    assert not np.array_equal(cjk_a, cjk_b)
    assert not np.array_equal(cjk_a, tofu_a)
    assert (cjk_a < 128).any()  # there is dark text in the band at all


def test_bars_and_line_follow_the_numbers(config: Config) -> None:
    quiet = make_digest(new=[0] * 14, closed=[0] * 14, backlog=[0] * 14)
    busy, idle = pixels(render_chart(config, BUSY)), pixels(render_chart(config, quiet))
    # With nothing new the blue only shows in the legend's little square.
    assert count_colour(idle, chart.NEW_COLOUR) < 400
    assert count_colour(busy, chart.NEW_COLOUR) > 5 * count_colour(idle, chart.NEW_COLOUR)
    assert count_colour(busy, chart.CLOSED_COLOUR) > 2000
    assert count_colour(busy, chart.BACKLOG_COLOUR) > count_colour(idle, chart.BACKLOG_COLOUR)


def test_font_is_the_bundled_file() -> None:
    path = font_path()
    assert path.name == "NotoSansCJKsc-Regular.otf"
    assert "mplfonts" in path.parts
    assert chart_font().get_file() == str(path)


def test_missing_font_says_how_to_install(config: Config,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chart, "FONT_FILE", "NoSuchFont-Regular.otf")
    with pytest.raises(ChartFontMissing) as raised:
        render_chart(config, BUSY)
    message = str(raised.value)
    assert "NoSuchFont-Regular.otf" in message
    assert "pip install -e ." in message and "README" in message
