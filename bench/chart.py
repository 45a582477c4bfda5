"""How long the digest's chart takes to draw (a busy fortnight, 900 × 500 PNG).

    .venv/bin/python bench/chart.py [--runs 5]

Times render_chart (Noto Sans CJK SC loaded by file, as the bot draws it) against the same
chart drawn in matplotlib's own DejaVu Sans (boxes for the Chinese), in the same run: the
ratio is what the CJK font costs on this machine, the absolute time is for the target (0.5 s a
chart; a digest draws one per community a day, off the event loop). The first call, which
opens and parses the font file, is timed apart. Times are the best of --runs: on a shared
machine the slow runs measure the neighbours. (This was a timing assertion in
tests/unit/test_chart.py; the tests check what the chart shows, speed is measured here.)
Always exits 0.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matplotlib.font_manager import FontProperties  # noqa: E402

from bot.config import load_config  # noqa: E402
from bot.digest.chart import draw_chart, render_chart  # noqa: E402
from bot.digest.numbers import Digest  # noqa: E402
from bot.digest.stats import DayRow, Rates  # noqa: E402

TARGET_SECONDS = 0.5
NO_RATES = Rates(None, None, None, 0, 0, 0, 0, 0, 0)
NEW = (3, 5, 2, 0, 7, 4, 4, 6, 1, 0, 2, 8, 5, 3)
CLOSED = (2, 4, 3, 1, 5, 6, 2, 5, 2, 1, 1, 6, 7, 4)
BACKLOG = (12, 13, 12, 11, 13, 11, 13, 14, 13, 12, 13, 15, 13, 12)


def busy_fortnight() -> Digest:
    first = date(2026, 10, 19)
    series = tuple(DayRow(first + timedelta(days=i), n, c, b)
                   for i, (n, c, b) in enumerate(zip(NEW, CLOSED, BACKLOG, strict=True)))
    return Digest(
        community="hx", community_name="和兴社区", day=date(2026, 11, 2),
        now=datetime(2026, 11, 2, 1, tzinfo=UTC), new=0, claimed=0, resolved=0, closed=0,
        closed_unresolved=0, cancelled=0, backlog=(), backlog_total=0, overdue=(),
        overdue_total=0, unclaimed=(), unclaimed_total=0, rates_yesterday=NO_RATES,
        rates_period=NO_RATES, top_yesterday=(), top_period=(), volunteers=(), series=series,
    )


def best_of(runs: int, draw: Callable[[], bytes]) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        draw()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    config = load_config(ROOT / "config.toml", env={})
    digest = busy_fortnight()

    def dejavu(size: float) -> FontProperties:
        return FontProperties(family="DejaVu Sans", size=size)

    def cjk() -> bytes:
        return render_chart(config, digest)

    def tofu() -> bytes:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DejaVu has no CJK glyphs: boxes, and a warning each
            return draw_chart(digest, dejavu)

    started = time.perf_counter()
    png = cjk()  # opens and parses the font file
    first = time.perf_counter() - started
    tofu()
    chart, plain = best_of(runs, cjk), best_of(runs, tofu)
    print(f"first chart (font file opened): {first:.3f} s, {len(png) / 1000:.0f} kB")
    print(f"chart in Noto Sans CJK SC: best {chart:.3f} s of {runs} "
          f"(target {TARGET_SECONDS} s: {'met' if chart <= TARGET_SECONDS else 'MISSED'})")
    print(f"the same chart in DejaVu Sans: best {plain:.3f} s")
    print(f"ratio CJK / DejaVu: {chart / plain:.2f}")


if __name__ == "__main__":
    main()
