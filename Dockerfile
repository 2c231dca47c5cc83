FROM python:3.11-slim
RUN useradd --create-home --uid 1000 crawler
WORKDIR /app
COPY pyproject.toml README.md ./
COPY crawler crawler
COPY spiders spiders
COPY pipelines pipelines
COPY settings settings
RUN pip install --no-cache-dir . && mkdir /spool && chown crawler /spool
USER crawler
ENV CRAWLER_SPOOL_DIR=/spool
ENTRYPOINT []
CMD ["crawler", "--help"]
