# One image for every role: crawler serve | scheduler | worker (and the CLI).
FROM python:3.11-slim

RUN useradd --create-home --uid 1000 crawler
# jemalloc: crawls and their extraction workers run on it (crawler.process.use_jemalloc)
RUN apt-get update && apt-get install -y --no-install-recommends libjemalloc2 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# dependencies first, pinned (requirements.lock): rebuilt only when they change
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY pyproject.toml README.md ./
COPY crawler crawler
COPY spiders spiders
COPY pipelines pipelines
COPY settings settings
RUN pip install --no-cache-dir --no-deps . \
    && mkdir -p /data /spool /webarchive \
    && chown crawler /data /spool /webarchive
USER crawler
ENV CRAWLER_DATA_DIR=/data \
    CRAWLER_SPOOL_DIR=/spool \
    PYTHONUNBUFFERED=1
# liveness of any role: the process touches $CRAWLER_DATA_DIR/alive-<role> while it runs
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["crawler", "health"]
CMD ["crawler", "--help"]
