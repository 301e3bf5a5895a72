"""The neutral language of schoolwacht: events, findings, verdicts and plans, ports, delivery errors
and the clock.

Every other layer (policies, storage, the application services in ``bot``, the adapters) depends on
this package; it depends on nothing of theirs (enforced by import-linter, see pyproject.toml).
"""
