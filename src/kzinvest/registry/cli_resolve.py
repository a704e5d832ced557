"""`kzinvest resolve` and `kzinvest review`: resolution from the command line."""
from __future__ import annotations

import json
import sys
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
Db = Annotated[Optional[str], typer.Option("--db", help="SQLAlchemy URL (default $KZINVEST_DB, "
                                           "else sqlite:///data/kzinvest.db).")]
Who = Annotated[Optional[str], typer.Option(help="Who decides (default $USER).")]


def _store(db):
    from kzinvest.registry.store import open_store
    try:
        return open_store(db)
    except Exception as exc:
        err.print(f"{db or 'database'}: cannot open: {exc}", markup=False)
        raise typer.Exit(2)


def _money(v) -> str:
    if not v:
        return ""
    for div, unit in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return f"{v / div:,.1f} {unit}"
    return f"{v:,.0f}"


def resolve(rebuild: Annotated[bool, typer.Option(
                "--rebuild", help="Resolve every stored mention again from scratch.")] = False,
            explain: Annotated[Optional[list[int]], typer.Option(
                "--explain", help="Two mention ids (--explain A --explain B): the pair's "
                "score, level by level.")] = None,
            who: Who = None, as_json: Annotated[bool, typer.Option("--json")] = False,
            dask: Annotated[Optional[str], typer.Option(
                "--dask", help="With --rebuild: address of a running Dask scheduler "
                "(tcp://HOST:8786); blocking keys and clustering run on its workers.")] = None,
            workers: Annotated[int, typer.Option(
                help="With --rebuild: more than 1 runs it on a LocalCluster of this many "
                "worker processes.")] = 1,
            db: Db = None) -> None:
    """Which mentions are one project: rebuild from all stored mentions, explain a pair's
    score, or (without options) show the resolution's state."""
    store = _store(db)
    try:
        if explain:
            if len(explain) != 2:
                err.print("--explain takes two mention ids")
                raise typer.Exit(2)
            res = _explain(store, *explain)
        elif rebuild and (dask or workers > 1):
            from kzinvest.registry.distributed import connect
            with connect(dask, workers, dashboard=False) as client:
                res = store.rebuild(who=who, client=client).__dict__
        elif rebuild:
            s = store.rebuild(who=who)
            res = s.__dict__
        else:
            res = _state(store)
    finally:
        store.close()
    if as_json or explain:
        sys.stdout.write(json.dumps(res, ensure_ascii=False, indent=1, default=str) + "\n")
        return
    if rebuild:
        out.print(f"mentions: {res['mentions']}; blocks: {res['blocks']}; projects: "
                  f"{res['projects_before']} -> {res['projects_after']}; mentions moved: "
                  f"{res['mentions_moved']}; review queue: {res['review_pairs']}; "
                  f"{res['seconds'].get('total', 0):.1f} s", markup=False)
        return
    for k, v in res.items():
        out.print(f"{k:16} {v}", markup=False)


def _state(store) -> dict:
    from sqlalchemy import func, select
    from kzinvest.registry.models import Mention, MentionKey, ReviewPair
    model = store.resolver.model
    with store.read() as s:
        state = {
            "mentions": s.scalar(select(func.count()).select_from(Mention)),
            "blocks": s.scalar(select(func.count(Mention.block.distinct()))),
            "keys": s.scalar(select(func.count()).select_from(MentionKey)),
            "review_queue": s.scalar(select(func.count()).select_from(ReviewPair)),
        }
    state.update(counts=store.counts(), threshold=model.threshold,
                 review_band=list(model.band), weights_corpus=model.meta.get("corpus"))
    return state


def _explain(store, a: int, b: int) -> dict:
    from kzinvest.registry.resolution import _SEL_BY_ID
    with store.read() as s:
        rows = {r.id: r for r in s.connection().execute(_SEL_BY_ID, {"ids": [a, b]})}
    if a not in rows or b not in rows:
        err.print(f"mention {a if a not in rows else b}: no such mention")
        raise typer.Exit(1)
    fa, fb = store.resolver.feat(rows[a]), store.resolver.feat(rows[b])
    model = store.resolver.model
    from kzinvest.registry.scoring import hard_contradiction, levels
    lv = levels(fa, fb)
    return {"a": a, "b": b, "score": model.score(fa, fb), "threshold": model.threshold,
            "prior": model.prior, "same_project": rows[a].project_id == rows[b].project_id,
            "never_one_project": lv is None, "hard_contradiction": bool(lv and hard_contradiction(lv)),
            "levels": [{"feature": f, "level": lvl, "weight": w}
                       for f, lvl, w in model.explain(fa, fb)]}


ACTIONS = ("list", "merge", "apart", "split", "log")


def review(action: Annotated[str, typer.Argument(help="list (the queue), merge A B, apart A B, "
                                                 "split A, or log (decisions and audit).")] = "list",
           mentions: Annotated[Optional[list[int]], typer.Argument(
               help="Mention ids: two for merge/apart, one for split.")] = None,
           who: Who = None,
           note: Annotated[Optional[str], typer.Option(help="Why (kept with the decision).")] = None,
           limit: int = 50, offset: int = 0,
           as_json: Annotated[bool, typer.Option("--json")] = False, db: Db = None) -> None:
    """The analyst's review queue: pairs of mentions the resolver was unsure about, and the
    decisions on them (merge, keep apart, split a mention out), with who and when."""
    if action not in ACTIONS:
        err.print(f"action must be one of {', '.join(ACTIONS)}")
        raise typer.Exit(2)
    mentions = mentions or []
    need = {"merge": 2, "apart": 2, "split": 1}.get(action, 0)
    if len(mentions) != need:
        err.print(f"{action} takes {need} mention id{'s' if need != 1 else ''}")
        raise typer.Exit(2)
    from kzinvest.registry import audit, review as rv
    store = _store(db)
    try:
        if action == "list":
            res = rv.queue(store, limit=limit, offset=offset)
        elif action == "log":
            res = {"decisions": rv.history(store, limit=limit),
                   "audit": audit.entries(store, limit=limit, offset=offset)}
        else:
            try:
                res = store.decide(action, mentions[0], mentions[1] if need == 2 else None,
                                   who=who, note=note)
            except KeyError as exc:
                err.print(f"mention {exc.args[0]}: no such mention")
                raise typer.Exit(1)
            except ValueError as exc:
                err.print(str(exc), markup=False)
                raise typer.Exit(1)
    finally:
        store.close()
    if as_json:
        sys.stdout.write(json.dumps(res, ensure_ascii=False, indent=1, default=str) + "\n")
        return
    if action == "list":
        _print_queue(res)
    elif action == "log":
        for d in res["audit"]:
            out.print(f"{d['at']}  {d['who']:20} {d['action']:14} {d['target'] or ''}  "
                      f"{json.dumps(d['detail'], ensure_ascii=False)[:120]}", markup=False)
    else:
        moved = ", ".join(f"mention {m} -> project {p}" for m, p in res["projects"].items())
        out.print(f"decision {res['decision']}: {action} by {res['who']}; {moved}", markup=False)


def _print_queue(res: dict) -> None:
    t = Table(title=f"{res['total']} pairs to review (most uncertain first)")
    for col in ("pair", "score", "now", "mention", "investor", "place", "sector", "USD", "stage",
                "date", "project"):
        t.add_column(col, overflow="fold")
    for item in res["items"]:
        for side in ("a", "b"):
            m = item[side] or {}
            first = side == "a"
            t.add_row(str(item["id"]) if first else "", f"{item['score']:+.2f}" if first else "",
                      ("merged" if item["merged"] else "apart") if first else "",
                      str(m.get("id", "")), m.get("investor") or "—",
                      ", ".join(x for x in (m.get("city"), m.get("region")) if x),
                      m.get("sector") or "", _money(m.get("amount_usd")), m.get("stage") or "",
                      m.get("date") or "", str(m.get("project_id") or ""),
                      end_section=not first)
    out.print(t)
    out.print("decide: kzinvest review merge A B | apart A B | split A  [--who NAME] [--note ...]")
