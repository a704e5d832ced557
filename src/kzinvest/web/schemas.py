"""Response shapes of the REST API (documentation for /openapi.json: the handlers in api.py
return plain dicts, rendered straight to JSON)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Evidence(_Open):
    text: str
    start: int | None = None
    end: int | None = None


class Source(_Open):
    document_id: int
    source: str | None = None
    url: str | None = None
    title: str | None = None
    published: str | None = None
    evidence: list[Evidence] = []
    spans: dict[str, list[int]] | None = Field(
        None, description="one project (/api/projects/{id}) only: for each field this article "
                          "supports, [start, end] character offsets into the document's text "
                          "(investor, amount, jobs, region, city, investor_country, stage, "
                          "sector)")
    confidence: float | None = Field(None, description="the surest of this article's records")


class Event(_Open):
    stage: str
    date: str | None = None
    document_id: int | None = None


class Investor(_Open):
    name: str
    company_id: int | None = None
    country: str | None = None
    role: Literal["investor", "partner", "parent", "project_company"]
    mentions: int = 0
    countries: list[str] | None = Field(None, description="when sources disagree on its country")


class Report(_Open):
    date: str | None = None
    stage: str
    investor: str | None = None
    amount: float | None = None
    currency: str | None = None
    amount_usd: float | None = None
    jobs: int | None = None
    document_id: int
    revision: bool = False


class Revision(_Open):
    date: str | None = None
    amount: float
    currency: str | None = None
    amount_usd: float | None = None
    previous: float
    document_id: int


class Project(_Open):
    id: int
    investor: str | None = None
    investor_country: str | None = None
    region: str | None = None
    city: str | None = None
    sector: str | None = None
    amount: float | None = None
    currency: str | None = None
    amount_usd: float | None = None
    jobs: int | None = None
    stage: str | None = None
    date: str | None = None
    status: str | None = None
    company_id: int | None = None
    first_seen: str | None = None
    last_seen: str | None = None
    health: float | None = None
    confidence: float | None = Field(
        None, description="0..1, the highest calibrated confidence of its mentions that it is "
                          "a real project (at 0.8 and above about nine in ten are)")
    conflicts: dict[str, list[Any]] = {}
    investors: list[Investor] = Field([], description="every investor, lead first, with its role")
    sources: list[Source] = []
    events: list[Event] = Field([], description="stage changes in date order, with sources")
    timeline: list[Report] = Field([], description="every report in date order")
    revisions: list[Revision] = Field([], description="amount revisions (the latest wins)")


class ProjectPage(BaseModel):
    items: list[Project]
    total: int


class Company(_Open):
    id: int
    name: str
    country: str | None = None
    aliases: list[str] = []
    projects_count: int | None = None


class CompanyDetail(Company):
    projects: list[Project] = []


class CompanyPage(BaseModel):
    items: list[Company]
    total: int


class Indicator(_Open):
    id: int
    document_id: int | None = None
    region: str | None = None
    amount: float | None = None
    currency: str | None = None
    amount_usd: float | None = None
    jobs: int | None = None
    date: str | None = None
    evidence: list[Any] = []


class IndicatorPage(BaseModel):
    items: list[Indicator]
    total: int


class StatsRow(_Open):
    key: str | int | None
    projects: int
    usd: float | None
    kzt: float | None
    jobs: int | None


class Totals(_Open):
    projects: int
    usd: float | None
    kzt: float | None
    jobs: int | None
    stalled: int | None = None


class Stats(BaseModel):
    by: str
    items: list[StatsRow]
    totals: Totals


class DocumentOut(_Open):
    id: int
    source: str | None = None
    url: str | None = None
    title: str | None = None
    published: str | None = None
    text: str


class Error(BaseModel):
    detail: Any


class EditIn(BaseModel):
    field: Literal["investor", "investor_country", "region", "city", "sector", "amount", "currency",
                   "amount_usd", "jobs", "stage", "date"]
    value: str | float | int | None = Field(description="new value; null clears the field")
    model_config = ConfigDict(json_schema_extra={"example": {"field": "stage", "value": "launched"}})


class IngestOut(_Open):
    summary: dict[str, Any]
    new_projects: list[int] = []
    webhooks: int = 0


NOT_FOUND = {404: {"model": Error, "description": "not found"}}
