"""The service: HTTP API, database, scheduler and workers (``research/``: what researchers read)."""
