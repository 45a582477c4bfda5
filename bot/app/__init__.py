"""Wiring and run modes: the one package that knows every layer.

application.py builds the python-telegram-bot Application (handlers, services, sender,
sweep); serve.py runs it (and the web app) until stopped; cli.py is `python -m bot …`;
classifier_holder.py reloads the keywords when config.toml changes; clock.py is the real
clock and the tests' manual one. Kept light: importing bot.app imports nothing else, so
`python -m bot --help` does not load Telegram or the database.
"""
