"""`python -m bot try`: the whole loop on one machine without Telegram (bot/playground/run.py)."""
