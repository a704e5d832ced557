"""Initial registry schema: documents, companies, projects, mentions, events, indicators,
overrides, and full-text search (SQLite FTS5 / PostgreSQL tsvector + GIN).

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _rest(lead: str) -> list[str]:
    return [c for c in ("date", "stage_rank", "last_seen", "region", "sector",
                        "investor_country") if c != lead]


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("canonical_url", sa.String(2000), unique=True),
        sa.Column("title", sa.Text),
        sa.Column("published", sa.String(10)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("raw_text", sa.Text),
        sa.Column("content_type", sa.String(16), nullable=False),
        sa.Column("encoding", sa.String(40)),
        sa.Column("ingested_at", sa.DateTime, nullable=False),
        sa.Column("extracted_at", sa.DateTime),
    )
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("key", sa.String(500), nullable=False),
        sa.Column("country", sa.String(2)),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_companies_key", "companies", ["key"])
    op.create_table(
        "company_aliases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("alias", sa.String(500), nullable=False),
        sa.Column("key", sa.String(500), nullable=False),
        sa.UniqueConstraint("company_id", "alias", name="uq_company_alias"),
    )
    op.create_index("ix_company_aliases_company_id", "company_aliases", ["company_id"])
    op.create_index("ix_company_aliases_key", "company_aliases", ["key"])
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="SET NULL")),
        sa.Column("investor", sa.String(500)),
        sa.Column("investor_country", sa.String(2)),
        sa.Column("region", sa.String(8)),
        sa.Column("city", sa.String(200)),
        sa.Column("sector", sa.String(40), nullable=False),
        sa.Column("amount", sa.Float),
        sa.Column("currency", sa.String(3)),
        sa.Column("amount_usd", sa.Float),
        sa.Column("jobs", sa.Integer),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("stage_rank", sa.Integer, nullable=False),
        sa.Column("date", sa.String(10)),
        sa.Column("first_seen", sa.String(10)),
        sa.Column("last_seen", sa.String(10)),
        sa.Column("health", sa.Float, nullable=False),
        sa.Column("sources_count", sa.Integer, nullable=False),
        sa.Column("mentions_count", sa.Integer, nullable=False),
        sa.Column("conflicts", sa.JSON, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_projects_company_id", "projects", ["company_id"])
    # Filter indexes carry every filter column, so counts and filters never touch the table.
    op.create_index("ix_projects_region_usd", "projects", ["region", "amount_usd", *_rest("region")])
    op.create_index("ix_projects_sector_usd", "projects", ["sector", "amount_usd", *_rest("sector")])
    op.create_index("ix_projects_country_usd", "projects",
                    ["investor_country", "amount_usd", *_rest("investor_country")])
    op.create_index("ix_projects_stage_last_seen", "projects",
                    ["stage_rank", "last_seen", "date", "amount_usd", "region", "sector",
                     "investor_country"])
    op.create_index("ix_projects_amount_usd", "projects", ["amount_usd"])
    op.create_index("ix_projects_date", "projects",
                    ["date", "amount_usd", "stage_rank", "last_seen", "region", "sector",
                     "investor_country"])
    op.create_index("ix_projects_jobs", "projects", ["jobs"])
    op.create_index("ix_projects_investor", "projects", ["investor"])
    op.create_table(
        "mentions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="SET NULL")),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("investor", sa.String(500)),
        sa.Column("investor_country", sa.String(2)),
        sa.Column("region", sa.String(8)),
        sa.Column("city", sa.String(200)),
        sa.Column("sector", sa.String(40), nullable=False),
        sa.Column("amount", sa.Float),
        sa.Column("currency", sa.String(3)),
        sa.Column("amount_usd", sa.Float),
        sa.Column("jobs", sa.Integer),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("date", sa.String(10)),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("extra", sa.JSON, nullable=False),
        sa.UniqueConstraint("document_id", "ordinal", name="uq_mention_doc_ordinal"),
    )
    op.create_index("ix_mentions_project_id", "mentions", ["project_id"])
    op.create_table(
        "project_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("date", sa.String(10)),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="SET NULL")),
        sa.Column("mention_id", sa.Integer, sa.ForeignKey("mentions.id", ondelete="SET NULL")),
    )
    op.create_index("ix_project_events_project_id", "project_events", ["project_id"])
    op.create_table(
        "indicators",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("region", sa.String(8)),
        sa.Column("sector", sa.String(40)),
        sa.Column("amount", sa.Float),
        sa.Column("currency", sa.String(3)),
        sa.Column("amount_usd", sa.Float),
        sa.Column("jobs", sa.Integer),
        sa.Column("date", sa.String(10)),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.UniqueConstraint("document_id", "ordinal", name="uq_indicator_doc_ordinal"),
    )
    op.create_index("ix_indicators_region", "indicators", ["region"])
    op.create_table(
        "overrides",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("field", sa.String(40), nullable=False),
        sa.Column("value", sa.JSON),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_overrides_project_id", "overrides", ["project_id"])

    if op.get_bind().dialect.name == "postgresql":
        _fts_postgresql()
    else:
        _fts_sqlite()


def _fts_sqlite() -> None:
    # External-content FTS5 tables kept in step by triggers, so no code path can forget them
    # and the text is not stored twice. unicode61 folds Cyrillic case; queries use prefixes
    # ("камаз"*) to cover Russian inflection without a stemmer.
    tok = "tokenize = 'unicode61 remove_diacritics 2'"
    op.execute(f"CREATE VIRTUAL TABLE project_fts USING fts5(search_text, content='projects', "
               f"content_rowid='id', {tok})")
    op.execute(f"CREATE VIRTUAL TABLE document_fts USING fts5(title, text, content='documents', "
               f"content_rowid='id', {tok})")
    op.execute("""CREATE TRIGGER projects_fts_ai AFTER INSERT ON projects BEGIN
        INSERT INTO project_fts(rowid, search_text) VALUES (new.id, new.search_text); END""")
    op.execute("""CREATE TRIGGER projects_fts_ad AFTER DELETE ON projects BEGIN
        INSERT INTO project_fts(project_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text); END""")
    op.execute("""CREATE TRIGGER projects_fts_au AFTER UPDATE OF search_text ON projects BEGIN
        INSERT INTO project_fts(project_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO project_fts(rowid, search_text) VALUES (new.id, new.search_text); END""")
    op.execute("""CREATE TRIGGER documents_fts_ai AFTER INSERT ON documents BEGIN
        INSERT INTO document_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END""")
    op.execute("""CREATE TRIGGER documents_fts_ad AFTER DELETE ON documents BEGIN
        INSERT INTO document_fts(document_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text); END""")


def _fts_postgresql() -> None:
    # Generated tsvector columns: always in step with the row, indexed with GIN. The
    # 'simple' configuration (no stemming) plus prefix queries behaves like SQLite's FTS5.
    op.execute("ALTER TABLE projects ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS "
               "(to_tsvector('simple', coalesce(search_text, ''))) STORED")
    op.execute("CREATE INDEX ix_projects_search_tsv ON projects USING gin (search_tsv)")
    op.execute("ALTER TABLE documents ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS "
               "(to_tsvector('simple', coalesce(title, '') || ' ' || text)) STORED")
    op.execute("CREATE INDEX ix_documents_search_tsv ON documents USING gin (search_tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trig in ("projects_fts_ai", "projects_fts_ad", "projects_fts_au",
                     "documents_fts_ai", "documents_fts_ad"):
            op.execute(f"DROP TRIGGER IF EXISTS {trig}")
        op.execute("DROP TABLE IF EXISTS project_fts")
        op.execute("DROP TABLE IF EXISTS document_fts")
    for table in ("overrides", "indicators", "project_events", "mentions", "projects",
                  "company_aliases", "companies", "documents"):
        op.drop_table(table)
