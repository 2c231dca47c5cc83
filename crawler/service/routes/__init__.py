"""The API's routers, one per resource: jobs, schedules, runs, tokens, and the service's own
health, readiness and metrics (research routes: :mod:`crawler.service.research.routes`)."""
