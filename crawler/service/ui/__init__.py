"""The web interface: server-rendered pages on the API's app (``/ui``), for archivists
(jobs, schedules, runs), researchers (search, articles, exports) and ops (status)."""
