"""Registry tables (SQLAlchemy 2). The schema itself is created by the Alembic migrations
in ./migrations; a test checks that the two never drift apart.

Dates are stored as 'YYYY-MM-DD' strings: they compare correctly as text on both SQLite
and PostgreSQL and are exactly what SPEC.md and the API speak.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer,
                        PrimaryKeyConstraint, String, Text, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    # Two ways the same article arrives twice: the same text, or the same page URL.
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    canonical_url: Mapped[str | None] = mapped_column(String(2000), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    published: Mapped[str | None] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    raw_text: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(16), default="text")
    encoding: Mapped[str | None] = mapped_column(String(40))
    ingested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    extracted_at: Mapped[datetime | None] = mapped_column(DateTime)


class Company(Base):
    __tablename__ = "companies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    key: Mapped[str] = mapped_column(String(500), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CompanyAlias(Base):
    __tablename__ = "company_aliases"
    __table_args__ = (UniqueConstraint("company_id", "alias", name="uq_company_alias"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"),
                                            index=True)
    alias: Mapped[str] = mapped_column(String(500))
    key: Mapped[str] = mapped_column(String(500), index=True)


def _rest(lead: str) -> list[str]:
    return [c for c in ("date", "stage_rank", "last_seen", "region", "sector",
                        "investor_country") if c != lead]


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        # The filtered list: each filter column leads one index, followed by the sort by
        # amount and then every other filter column, so that counting and filtering read
        # only the index (benchmarks/registry_bench.py: p95 < 50 ms at 100k projects).
        Index("ix_projects_region_usd", "region", "amount_usd", *_rest("region")),
        Index("ix_projects_sector_usd", "sector", "amount_usd", *_rest("sector")),
        Index("ix_projects_country_usd", "investor_country", "amount_usd", *_rest("investor_country")),
        Index("ix_projects_stage_last_seen", "stage_rank", "last_seen", "date", "amount_usd",
              "region", "sector", "investor_country"),
        Index("ix_projects_amount_usd", "amount_usd"),
        Index("ix_projects_date", "date", "amount_usd", "stage_rank", "last_seen", "region",
              "sector", "investor_country"),
        Index("ix_projects_jobs", "jobs"),
        Index("ix_projects_investor", "investor"),
        Index("ix_projects_confidence", "confidence", "amount_usd"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True)
    investor: Mapped[str | None] = mapped_column(String(500))
    investor_country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(8))
    city: Mapped[str | None] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(40), default="other")
    amount: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount_usd: Mapped[float | None] = mapped_column(Float)
    jobs: Mapped[int | None] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(20), default="negotiation")
    stage_rank: Mapped[int] = mapped_column(Integer, default=0)
    date: Mapped[str | None] = mapped_column(String(10))        # latest news (= last_seen)
    first_seen: Mapped[str | None] = mapped_column(String(10))
    last_seen: Mapped[str | None] = mapped_column(String(10))
    health: Mapped[float] = mapped_column(Float, default=0.0)
    # The highest confidence among its mentions (the extractor's calibrated probability
    # that a record is a real project); None only while it has no mentions.
    confidence: Mapped[float | None] = mapped_column(Float)
    sources_count: Mapped[int] = mapped_column(Integer, default=0)
    mentions_count: Mapped[int] = mapped_column(Integer, default=0)
    conflicts: Mapped[dict] = mapped_column(JSON, default=dict)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Mention(Base):
    """One extracted project record, exactly as the extractor produced it."""
    __tablename__ = "mentions"
    __table_args__ = (UniqueConstraint("document_id", "ordinal", name="uq_mention_doc_ordinal"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True)
    # The investor's company (resolve.resolve_company) and the resolution block: the
    # connected group of mentions that share a blocking key (registry/resolution.py).
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True)
    block: Mapped[int | None] = mapped_column(Integer, index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    investor: Mapped[str | None] = mapped_column(String(500))
    investor_country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(8))
    city: Mapped[str | None] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(40))
    amount: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount_usd: Mapped[float | None] = mapped_column(Float)
    jobs: Mapped[int | None] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(20))
    date: Mapped[str | None] = mapped_column(String(10))
    confidence: Mapped[float] = mapped_column(Float, default=0.5)
    evidence: Mapped[list] = mapped_column(JSON, default=list)   # [{"text","start","end"}]
    extra: Mapped[dict] = mapped_column(JSON, default=dict)      # product, capacity, aliases


class ProjectEvent(Base):
    __tablename__ = "project_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"),
                                            index=True)
    stage: Mapped[str] = mapped_column(String(20))
    date: Mapped[str | None] = mapped_column(String(10))
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"))
    mention_id: Mapped[int | None] = mapped_column(ForeignKey("mentions.id", ondelete="SET NULL"))


class Indicator(Base):
    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("document_id", "ordinal", name="uq_indicator_doc_ordinal"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    region: Mapped[str | None] = mapped_column(String(8), index=True)
    sector: Mapped[str | None] = mapped_column(String(40))
    amount: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount_usd: Mapped[float | None] = mapped_column(Float)
    jobs: Mapped[int | None] = mapped_column(Integer)
    date: Mapped[str | None] = mapped_column(String(10))
    evidence: Mapped[list] = mapped_column(JSON, default=list)


class Override(Base):
    """An analyst's correction of one project field; the latest one per field wins."""
    __tablename__ = "overrides"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"),
                                            index=True)
    field: Mapped[str] = mapped_column(String(40))
    value: Mapped[object] = mapped_column(JSON, nullable=True)   # None clears the field
    who: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class MentionKey(Base):
    """Blocking keys of a mention (64-bit hashes of "n:<company key>", "j:<doc>:<n>", ...):
    mentions sharing one are compared, and belong to the same block."""
    __tablename__ = "mention_keys"
    __table_args__ = (PrimaryKeyConstraint("key", "mention_id", name="pk_mention_keys"),)
    key: Mapped[int] = mapped_column(BigInteger)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id", ondelete="CASCADE"),
                                            index=True)


class ProjectInvestor(Base):
    """Every company a project's articles name as investing in it, with its role:
    investor (the lead), partner, parent (of another investor) or project_company."""
    __tablename__ = "project_investors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"),
                                            index=True)
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    country: Mapped[str | None] = mapped_column(String(2))
    role: Mapped[str] = mapped_column(String(20))
    mentions: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)
    countries: Mapped[list] = mapped_column(JSON, default=list)   # >1: sources disagree


class ResolutionDecision(Base):
    """An analyst's decision about mentions: merge two, keep two apart, or split one out
    of its project. Mentions are named by stable references (document content hash,
    record ordinal, investor key, sector) so decisions survive re-extraction and rebuilds."""
    __tablename__ = "resolution_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(16))          # merge | apart | split
    a_hash: Mapped[str] = mapped_column(String(64), index=True)
    a_ref: Mapped[dict] = mapped_column(JSON)
    b_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    b_ref: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # split: the mentions it is split from (references), kept apart from it
    apart: Mapped[list] = mapped_column(JSON, default=list)
    who: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ReviewPair(Base):
    """A pair of mentions the resolver was unsure about (docs/registry-resolution.md):
    refreshed whenever their block is resolved again."""
    __tablename__ = "review_pairs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    block: Mapped[int] = mapped_column(Integer, index=True)
    a_mention: Mapped[int] = mapped_column(ForeignKey("mentions.id", ondelete="CASCADE"),
                                           index=True)
    b_mention: Mapped[int] = mapped_column(ForeignKey("mentions.id", ondelete="CASCADE"),
                                           index=True)
    score: Mapped[float] = mapped_column(Float)
    merged: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditEntry(Base):
    """Who changed what and when: analysts' edits, review decisions, rebuilds."""
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    who: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
