"""Registry commands for the `kzinvest` CLI: register(app) adds ingest, reextract, edit,
projects, project, stats, export, companies, resolve and review (cli_resolve.py). Every
command takes --db URL (default $KZINVEST_DB, else sqlite:///data/kzinvest.db)."""
from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

Db = Annotated[Optional[str], typer.Option("--db", help="SQLAlchemy URL (default $KZINVEST_DB, "
                                           "else sqlite:///data/kzinvest.db).")]
Region = Annotated[Optional[str], typer.Option(help="ISO 3166-2:KZ code(s), comma-separated.")]
Sector = Annotated[Optional[str], typer.Option(help="Sector(s), comma-separated.")]
Country = Annotated[Optional[str], typer.Option(help="Investor country ISO code(s).")]
Stage = Annotated[Optional[str], typer.Option(help="Stage(s), comma-separated.")]
Since = Annotated[Optional[str], typer.Option(help="Project date from (YYYY[-MM[-DD]]).")]
Until = Annotated[Optional[str], typer.Option(help="Project date until (YYYY[-MM[-DD]]).")]
MinUsd = Annotated[Optional[float], typer.Option("--min-usd", help="Minimum amount in USD.")]
Stalled = Annotated[Optional[bool], typer.Option("--stalled/--active",
                                                 help="Only stalled / only active projects.")]
MinConfidence = Annotated[Optional[float], typer.Option(
    "--min-confidence", min=0.0, max=1.0,
    help="Only projects at least this likely to be real (0..1; 0.8 keeps projects of which "
         "about nine in ten are real).")]
Q = Annotated[Optional[str], typer.Option("--q", help="Full-text search.")]
CompanyId = Annotated[Optional[int], typer.Option("--company", help="Company id.")]
StalledMonths = Annotated[Optional[int], typer.Option(
    "--stalled-months", help="Age after which an unfollowed memorandum/agreement is stalled "
    "(default 18 or $KZINVEST_STALLED_MONTHS).")]
AsJson = Annotated[bool, typer.Option("--json", help="JSON output.")]


def _store(db, stalled_months=None):
    from kzinvest.registry.store import open_store
    try:
        return open_store(db, stalled_months=stalled_months)
    except Exception as exc:
        err.print(f"{db or 'database'}: cannot open: {exc}")
        raise typer.Exit(2)


@contextmanager
def _querying(db, stalled_months=None):
    """An open store for one query; a bad filter value is one line on stderr and exit 2."""
    store = _store(db, stalled_months)
    try:
        yield store
    except ValueError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(2)
    finally:
        store.close()


def _filter(region, sector, country, stage, since, until, min_usd, stalled, q, company,
            sort="-amount_usd", limit=50, offset=0, min_confidence=None):
    from kzinvest.registry.query import ProjectFilter
    return ProjectFilter(region=region, sector=sector, country=country, stage=stage,
                         since=since, until=until, min_usd=min_usd, stalled=stalled, q=q,
                         company_id=company, min_confidence=min_confidence, sort=sort,
                         limit=limit, offset=offset)


def _dump(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=1, default=str) + "\n")


def _money(v) -> str:
    if v is None:
        return ""
    for div, unit in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return f"{v / div:,.1f} {unit}"
    return f"{v:,.0f}"


def ingest(inputs: Annotated[list[str], typer.Argument(help="Files, folders, JSON/JSONL dumps, "
                                                       "RSS/Atom feeds, WARC/ARC archives, URLs.")],
           db: Db = None,
           progress: Annotated[Optional[bool], typer.Option(
               "--progress/--no-progress", help="Progress bar (default: when stderr is a terminal).")] = None,
           workers: Annotated[int, typer.Option(
               min=1, help="Worker processes of a Dask LocalCluster started on this machine "
               "(more than 1, or --engine dask).")] = 1,
           engine: Annotated[str, typer.Option(help="local (this process) or dask (a cluster: "
                                               "--dask, else a LocalCluster of --workers).")] = "local",
           dask: Annotated[Optional[str], typer.Option(
               "--dask", help="Address of a running Dask scheduler (tcp://HOST:8786): documents "
               "are read, cleaned and extracted on its workers and written here.")] = None,
           batch: Annotated[int, typer.Option(
               min=1, help="Documents per write transaction on a cluster.")] = 100,
           nice: Annotated[int, typer.Option(
               min=0, max=19, envvar="KZINVEST_INGEST_NICE",
               help="Lower this process's CPU priority by N (0-19) so that a `kzinvest serve` "
               "on the same machine answers first (an ingest is a batch job).")] = 0) -> None:
    """Store articles once each, extract their records and fold them into projects."""
    if nice:
        # Why: on a small machine an ingest takes a whole core; at equal priority the
        # dashboard's requests queue behind it (benchmarks/load.py: p95 about 2.5x).
        os.nice(nice)
    store = _store(db)
    show = sys.stderr.isatty() if progress is None else progress

    def report(source: str, reason: str) -> None:
        err.print(f"{source}: {reason}", markup=False)

    cluster = dict(dask=dask, batch=batch) if dask or engine == "dask" or workers > 1 else {}
    try:
        s = store.ingest(inputs, progress=show, on_error=report, workers=workers, engine=engine,
                         **cluster)
        deliveries = _notify_webhooks(store, s.new_project_ids)
    finally:
        store.close()
    for d in deliveries:
        if d.error or not d.status or d.status >= 400:
            err.print(f"webhook {d.url}: {d.error or d.status}", markup=False)
    out.print(f"documents: {s.documents_new} new, {s.documents_duplicate} duplicate, "
              f"{s.documents_failed} failed; records: {s.records} "
              f"(+{s.indicators} indicators); projects: {s.projects_new} new, "
              f"{s.projects_updated} updated; {s.seconds:.1f} s", markup=False)
    if getattr(s, "workers", 0):
        out.print(f"cluster: {s.workers} workers, {s.units} units, {s.extracted} extracted; "
                  f"worker time {s.read_s + s.extract_s:.1f} s, database {s.write_s:.1f} s", markup=False)
    if s.documents_failed:
        raise typer.Exit(1)


def _notify_webhooks(store, project_ids: list[int]) -> list:
    """New projects matching a saved filter go to its webhook (KZINVEST_WEBHOOKS)."""
    if not project_ids:
        return []
    from kzinvest.web.webhooks import load_webhooks, notify_new_project_ids
    hooks = load_webhooks()
    return notify_new_project_ids(store, project_ids, hooks) if hooks else []


def reextract(db: Db = None,
              progress: Annotated[Optional[bool], typer.Option("--progress/--no-progress")] = None
              ) -> None:
    """Re-run the current extractor over stored documents; analysts' edits are kept."""
    store = _store(db)
    show = sys.stderr.isatty() if progress is None else progress
    try:
        s = store.reextract(progress=show)
    finally:
        store.close()
    for source, reason in s.failed:
        err.print(f"{source}: {reason}", markup=False)
    line = (f"documents: {s.documents}; records: {s.records}; projects: {s.projects_before} "
            f"-> {s.projects_after}")
    if s.overrides_reattached or s.overrides_kept:
        moves = ", ".join(f"{a} -> {b}" for a, b in s.overrides_reattached.items())
        line += (f"; overrides of projects left without mentions: "
                 f"{len(s.overrides_reattached)} re-attached" + (f" ({moves})" if moves else "")
                 + f", {len(s.overrides_kept)} kept on their project"
                 + (f" ({', '.join(map(str, s.overrides_kept))})" if s.overrides_kept else ""))
    out.print(line, markup=False)
    if s.failed:
        raise typer.Exit(1)


def edit(project: Annotated[int, typer.Argument(help="Project id.")],
         field: Annotated[str, typer.Argument(help="Field: investor, investor_country, region, "
                                              "city, sector, amount, currency, amount_usd, jobs, "
                                              "stage, date, company_id.")],
         value: Annotated[str, typer.Argument(help='New value ("null" clears it).')],
         who: Annotated[Optional[str], typer.Option(help="Who made the correction.")] = None,
         db: Db = None) -> None:
    """Correct a project field; the correction always wins over extraction."""
    from kzinvest.registry.query import edit_project
    store = _store(db)
    try:
        res = edit_project(store, project, field, value, who)
    except KeyError:
        err.print(f"project {project}: no such project")
        raise typer.Exit(1)
    except ValueError as exc:
        err.print(f"{field}: {exc}", markup=False)
        raise typer.Exit(1)
    finally:
        store.close()
    out.print(f"project {res['project_id']}: {res['field']} = {res['value']!r}", markup=False)


def projects(region: Region = None, sector: Sector = None, country: Country = None,
             stage: Stage = None, since: Since = None, until: Until = None,
             min_usd: MinUsd = None, stalled: Stalled = None, q: Q = None,
             company: CompanyId = None, min_confidence: MinConfidence = None,
             sort: Annotated[str, typer.Option(help="amount_usd, date, jobs, investor; "
                                               "prefix - for descending.")] = "-amount_usd",
             limit: int = 50, offset: int = 0, stalled_months: StalledMonths = None,
             as_json: AsJson = False, db: Db = None) -> None:
    """List projects matching the filters."""
    from kzinvest.registry.query import list_projects
    with _querying(db, stalled_months) as store:
        res = list_projects(store, _filter(region, sector, country, stage, since, until,
                                           min_usd, stalled, q, company, sort, limit, offset,
                                           min_confidence))
    if as_json:
        _dump(res)
        return
    t = Table(title=f"{res['total']} projects", show_lines=False)
    for col in ("id", "investor", "country", "region", "city", "sector", "USD", "jobs", "stage",
                "status", "date", "src", "conf"):
        t.add_column(col, overflow="fold")
    for p in res["items"]:
        others = [i["name"] for i in p["investors"][1:]]
        t.add_row(str(p["id"]), (p["investor"] or "—") + (f" + {', '.join(others)}" if others
                                                           else ""), p["investor_country"] or "",
                  p["region"] or "", p["city"] or "", p["sector"], _money(p["amount_usd"]),
                  str(p["jobs"] or ""), p["stage"], p["status"], p["date"] or "",
                  str(p["sources_count"]),
                  f"{p['confidence']:.2f}" if p.get("confidence") is not None else "")
    out.print(t)


def project(project_id: Annotated[int, typer.Argument(help="Project id.")],
            stalled_months: StalledMonths = None, as_json: AsJson = False, db: Db = None) -> None:
    """One project: fields, timeline, sources with evidence."""
    from kzinvest.registry.query import get_project
    store = _store(db, stalled_months)
    try:
        p = get_project(store, project_id)
    finally:
        store.close()
    if p is None:
        err.print(f"project {project_id}: no such project")
        raise typer.Exit(1)
    if as_json:
        _dump(p)
        return
    out.print(f"[bold]Project {p['id']}[/bold]  {p['investor'] or '(unnamed investor)'}  "
              f"[{p['status']}]  health {p['health']:.2f}"
              + (f"  confidence {p['confidence']:.2f}" if p.get("confidence") is not None else ""))
    for f in ("investor_country", "region", "city", "sector", "amount", "currency",
              "amount_usd", "jobs", "stage", "date", "first_seen", "last_seen"):
        conflict = p["conflicts"].get(f)
        extra = f"   (sources disagree: {', '.join(map(str, conflict))})" if conflict else ""
        out.print(f"  {f:17} {p[f] if p[f] is not None else '—'}{extra}", markup=False)
    for o in p.get("overrides", []):
        out.print(f"  override: {o['field']} = {o['value']!r} by {o['who']} at {o['at']}",
                  markup=False)
    out.print("[bold]Investors[/bold]")
    for inv in p["investors"]:
        countries = inv.get("countries")
        extra = f"   (sources disagree: {', '.join(countries)})" if countries else ""
        out.print(f"  {inv['role']:16} {inv['name']} ({inv['country'] or '?'}), "
                  f"{inv['mentions']} mention(s){extra}", markup=False)
    out.print("[bold]Timeline[/bold] (every report, in date order)")
    for t in p["timeline"]:
        amount = f"  {_money(t['amount'])} {t['currency'] or ''}" if t["amount"] else ""
        rev = "  (revised)" if t["revision"] else ""
        out.print(f"  {t['date'] or '????-??-??'}  {t['stage']:12} {t['investor'] or '—'}"
                  f"{amount}{rev}  [{t['document_id']}] {t['url'] or t['source']}", markup=False)
    for r in p["revisions"]:
        out.print(f"  amount revised {r['date']}: {_money(r['previous'])} -> {_money(r['amount'])} "
                  f"{r['currency']} (document {r['document_id']})", markup=False)
    out.print("[bold]Sources[/bold]")
    for src in p["sources"]:
        out.print(f"  [{src['document_id']}] {src['published'] or ''} {src['url'] or src['source']}"
                  f"  {src['title'] or ''}", markup=False)
        for ev in src["evidence"]:
            out.print(f"      @{ev['start']}-{ev['end']}: {ev['text']}", markup=False)


def stats(by: Annotated[str, typer.Option(help="region, sector, country, stage or year.")] = "region",
          region: Region = None, sector: Sector = None, country: Country = None,
          stage: Stage = None, since: Since = None, until: Until = None,
          min_usd: MinUsd = None, stalled: Stalled = None, q: Q = None,
          min_confidence: MinConfidence = None,
          stalled_months: StalledMonths = None, as_json: AsJson = False, db: Db = None) -> None:
    """Totals by region, sector, country, stage or year, in USD and KZT."""
    from kzinvest.registry.query import stats as _stats, totals
    flt = _filter(region, sector, country, stage, since, until, min_usd, stalled, q, None,
                  min_confidence=min_confidence)
    with _querying(db, stalled_months) as store:
        rows = _stats(store, flt, by)
        tot = totals(store, flt)
    if as_json:
        _dump({"by": by, "rows": rows, "totals": tot})
        return
    t = Table(title=f"Projects by {by}")
    for col in (by, "projects", "USD", "KZT", "jobs"):
        t.add_column(col, justify="left" if col == by else "right")
    for r in rows:
        t.add_row(str(r["key"] if r["key"] is not None else "—"), str(r["projects"]),
                  _money(r["usd"]), _money(r["kzt"]), f"{r['jobs']:,}")
    t.add_row("total", str(tot["projects"]), _money(tot["usd"]), _money(tot["kzt"]),
              f"{tot['jobs']:,}", style="bold")
    out.print(t)
    out.print(f"stalled: {tot['stalled']}")


def export(fmt: Annotated[str, typer.Option("--format", "-f", help="csv, xlsx, json, geojson.")] = "json",
           out_file: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output file "
                                                          "(default stdout; required for xlsx).")] = None,
           region: Region = None, sector: Sector = None, country: Country = None,
           stage: Stage = None, since: Since = None, until: Until = None,
           min_usd: MinUsd = None, stalled: Stalled = None, q: Q = None,
           company: CompanyId = None, min_confidence: MinConfidence = None,
           sort: str = "-amount_usd", stalled_months: StalledMonths = None,
           db: Db = None) -> None:
    """Export the filtered projects as CSV, XLSX, JSON or GeoJSON."""
    from kzinvest.registry.query import export_projects
    if fmt == "xlsx" and out_file is None and sys.stdout.isatty():
        err.print("xlsx is binary: give --out FILE")
        raise typer.Exit(2)
    with _querying(db, stalled_months) as store:
        data = export_projects(store, _filter(region, sector, country, stage, since, until,
                                              min_usd, stalled, q, company, sort,
                                              min_confidence=min_confidence), fmt)
    if out_file:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_bytes(data)
        err.print(f"wrote {out_file} ({len(data):,} bytes)", markup=False)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def companies(q: Q = None, limit: int = 50, offset: int = 0, as_json: AsJson = False,
              db: Db = None) -> None:
    """List companies with their aliases."""
    from kzinvest.registry.query import list_companies
    store = _store(db)
    try:
        res = list_companies(store, q=q, limit=limit, offset=offset)
    finally:
        store.close()
    if as_json:
        _dump(res)
        return
    t = Table(title=f"{res['total']} companies")
    for col in ("id", "name", "country", "projects", "aliases"):
        t.add_column(col, overflow="fold")
    for c in res["items"]:
        t.add_row(str(c["id"]), c["name"], c["country"] or "", str(c["projects_count"]),
                  ", ".join(c["aliases"]))
    out.print(t)


from kzinvest.registry.cli_resolve import resolve, review  # noqa: E402

COMMANDS = (ingest, reextract, edit, projects, project, stats, export, companies, resolve, review)


def register(app: typer.Typer) -> None:
    for fn in COMMANDS:
        app.command(name=fn.__name__)(fn)
    from kzinvest.watch import register as register_watch    # `kzinvest watch FEED...`
    register_watch(app)


def make_app() -> typer.Typer:
    app = typer.Typer(help="kzinvest project registry", no_args_is_help=True,
                      add_completion=False)
    register(app)
    return app
