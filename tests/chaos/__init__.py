"""The chaos test (issue 13 §5): real bot processes killed with SIGKILL while residents submit
through the stand-in Bot API, which refuses some sends with 429 and 5xx. Run alone with
`-m chaos`; CHAOS_SEED=<n> repeats a run's kill moments, faults and choices."""
