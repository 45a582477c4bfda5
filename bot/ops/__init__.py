"""Running the bot: its Prometheus metrics (metrics.py) and the context its log lines carry
(logs.py). Imports nothing of ours: every layer may use it, and it knows none of them."""
