"""The coordinators' numbers: /stats (stats.py), the daily digest's numbers (numbers.py,
summed from per-day tallies by daystats.py), its text (render.py), its chart (chart.py) and
the messages they make (messages.py)."""
