"""Pure rules, no I/O: ticket states, deadlines and quiet hours, who a ticket is routed to,
the three rates, masking of personal data, and the refusal a rule gives (DomainError).

Imports nothing of ours and never telegram or the database (import-linter contracts in
pyproject.toml); the Config these rules read arrives as an argument.
"""
