"""capture and article indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crawls",
        sa.Column("crawl_id", sa.String(length=120), nullable=False),
        sa.Column("storage_url", sa.Text(), nullable=False),
        sa.Column("job", sa.String(length=63), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("captures", sa.Integer(), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("crawl_id"),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("crawl_id", sa.String(length=120), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("authors", sa.Text(), nullable=False),
        sa.Column("published", sa.String(length=10), nullable=True),
        sa.Column("site", sa.String(length=253), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("on_topic", sa.Boolean(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index("ix_articles_crawl", ["crawl_id"], unique=False)
        batch_op.create_index("ix_articles_published", ["published"], unique=False)
        batch_op.create_index("ix_articles_site", ["site", "published"], unique=False)
        batch_op.create_index("ix_articles_topic", ["on_topic", "published"], unique=False)

    op.create_table(
        "captures",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("crawl_id", sa.String(length=120), nullable=False),
        sa.Column(
            "urlkey", sa.Text().with_variant(sa.Text(collation="C"), "postgresql"), nullable=False
        ),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("mime", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=3), nullable=False),
        sa.Column("digest", sa.String(length=80), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("captures", schema=None) as batch_op:
        batch_op.create_index("ix_captures_crawl", ["crawl_id"], unique=False)
        batch_op.create_index("ix_captures_lookup", ["urlkey", "ts"], unique=False)
    _full_text_up()


def _full_text_up() -> None:
    """Full-text search over articles.search_text: FTS5 on SQLite, tsvector on PostgreSQL."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE articles ADD COLUMN search tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED"
        )
        op.execute("CREATE INDEX ix_articles_search ON articles USING GIN (search)")
        return
    op.execute(
        "CREATE VIRTUAL TABLE articles_fts USING fts5(search_text, content='articles', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN "
        "INSERT INTO articles_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
        "INSERT INTO articles_fts(articles_fts, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS articles_fts_insert")
        op.execute("DROP TRIGGER IF EXISTS articles_fts_delete")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    with op.batch_alter_table("captures", schema=None) as batch_op:
        batch_op.drop_index("ix_captures_lookup")
        batch_op.drop_index("ix_captures_crawl")

    op.drop_table("captures")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_topic")
        batch_op.drop_index("ix_articles_site")
        batch_op.drop_index("ix_articles_published")
        batch_op.drop_index("ix_articles_crawl")

    op.drop_table("articles")
    op.drop_table("crawls")
