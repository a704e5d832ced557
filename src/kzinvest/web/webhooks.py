"""Webhooks: POST new projects that match a saved filter to a URL.

Configuration (either):
  * ``KZINVEST_WEBHOOKS`` - JSON, a list of hooks, e.g.
    ``[{"url": "http://127.0.0.1:9000/hook", "filter": {"region": "KZ-10", "sector": "energy"},
        "secret": "optional"}]``
  * ``KZINVEST_WEBHOOKS_FILE`` - path to a JSON file holding the same list.

Filter keys are those of the registry's ProjectFilter: region, sector, country, stage,
since, until, min_usd, stalled, q, company_id, min_confidence (all optional; an empty filter
matches all).

The ingest path calls :func:`notify_new_project_ids` (or :func:`notify_new_projects` with
project dicts) after an ingest; each matching hook gets one POST::

    {"event": "projects.new", "filter": {...}, "projects": [project, ...]}

with ``Content-Type: application/json`` and, when the hook has a ``secret``, an
``X-Kzinvest-Signature: sha256=<hex HMAC of the body>`` header. Failures are logged and
returned, never raised: a dead receiver must not break an ingest.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

log = logging.getLogger("kzinvest.webhooks")

FILTER_KEYS = ("region", "sector", "country", "stage", "since", "until", "min_usd", "stalled", "q",
               "company_id", "min_confidence")


@dataclass
class Webhook:
    url: str
    filter: dict[str, Any] = field(default_factory=dict)
    secret: str | None = None
    timeout: float = 5.0


@dataclass
class Delivery:
    url: str
    projects: list[int]
    status: int | None
    error: str | None = None


def parse_webhooks(data: Any) -> list[Webhook]:
    if isinstance(data, dict):
        data = data.get("webhooks", [data])
    hooks = []
    for item in data or []:
        if not isinstance(item, dict) or not str(item.get("url", "")).startswith(("http://", "https://")):
            raise ValueError(f"webhook needs an http(s) 'url': {item!r}")
        flt = item.get("filter") or {}
        unknown = set(flt) - set(FILTER_KEYS)
        if unknown:
            raise ValueError(f"unknown webhook filter keys: {sorted(unknown)}")
        hooks.append(Webhook(url=item["url"], filter=dict(flt), secret=item.get("secret"),
                             timeout=float(item.get("timeout", 5.0))))
    return hooks


def load_webhooks(env: dict[str, str] | None = None) -> list[Webhook]:
    env = os.environ if env is None else env
    raw = env.get("KZINVEST_WEBHOOKS")
    if not raw and env.get("KZINVEST_WEBHOOKS_FILE"):
        raw = Path(env["KZINVEST_WEBHOOKS_FILE"]).read_text(encoding="utf-8")
    if not raw:
        return []
    try:
        return parse_webhooks(json.loads(raw))
    except (ValueError, json.JSONDecodeError) as e:
        log.error("ignoring bad webhook configuration: %s", e)
        return []


STAGE_RANK = {s: i for i, s in enumerate(("negotiation", "memorandum", "agreement", "construction", "launched"))}


def project_matches(project: dict[str, Any], flt: dict[str, Any]) -> bool:
    """The ProjectFilter semantics, evaluated on one project dict."""
    def eq(a: Any, b: Any) -> bool:
        return a is not None and str(a).upper() == str(b).upper()

    if flt.get("region") and not eq(project.get("region"), flt["region"]):
        return False
    if flt.get("sector") and project.get("sector") != flt["sector"]:
        return False
    if flt.get("country") and not eq(project.get("investor_country"), flt["country"]):
        return False
    if flt.get("stage") and project.get("stage") != flt["stage"]:
        return False
    if flt.get("company_id") and project.get("company_id") != flt["company_id"]:
        return False
    if flt.get("min_usd") is not None and (project.get("amount_usd") or 0) < float(flt["min_usd"]):
        return False
    if flt.get("stalled") is not None and (project.get("status") == "stalled") != bool(flt["stalled"]):
        return False
    if flt.get("min_confidence") is not None and (
            project.get("confidence") is None or project["confidence"] < float(flt["min_confidence"])):
        return False
    when = project.get("date") or project.get("last_seen") or ""
    if flt.get("since") and (not when or when < flt["since"]):
        return False
    if flt.get("until") and (not when or when > flt["until"]):
        return False
    if flt.get("q"):
        hay = " ".join(str(project.get(k) or "") for k in ("investor", "city", "product", "sector")).lower()
        if not all(w in hay for w in str(flt["q"]).lower().split()):
            return False
    return True


def _post(hook: Webhook, body: bytes) -> tuple[int | None, str | None]:
    import httpx
    headers = {"Content-Type": "application/json", "User-Agent": "kzinvest-webhook/1"}
    if hook.secret:
        sig = hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest()
        headers["X-Kzinvest-Signature"] = "sha256=" + sig
    try:
        r = httpx.post(hook.url, content=body, headers=headers, timeout=hook.timeout)
        return r.status_code, None if r.status_code < 400 else f"HTTP {r.status_code}"
    except httpx.HTTPError as e:
        return None, f"{type(e).__name__}: {e}"


def notify_new_projects(projects: Iterable[dict[str, Any]], hooks: list[Webhook] | None = None,
                        event: str = "projects.new") -> list[Delivery]:
    """POST each hook the subset of ``projects`` matching its filter (no POST if none match).
    ``event``: "projects.new", or "projects.updated" (`kzinvest watch`: projects that new
    articles changed)."""
    hooks = load_webhooks() if hooks is None else hooks
    projects = list(projects)
    out = []
    for hook in hooks:
        hits = [p for p in projects if project_matches(p, hook.filter)]
        if not hits:
            continue
        body = json.dumps({"event": event, "filter": hook.filter, "projects": hits},
                          ensure_ascii=False, default=str).encode("utf-8")
        status, err = _post(hook, body)
        if err:
            log.warning("webhook %s failed: %s", hook.url, err)
        out.append(Delivery(hook.url, [p.get("id") for p in hits], status, err))
    return out


def notify_new_project_ids(store: Any, project_ids: Iterable[int], hooks: list[Webhook] | None = None,
                           query: Any = None) -> list[Delivery]:
    """The call for the ingest path: ``notify_new_project_ids(store, summary_new_ids)``."""
    hooks = load_webhooks() if hooks is None else hooks
    if not hooks:
        return []
    if query is None:
        from kzinvest.registry import query
    projects = [p for p in (query.get_project(store, i) for i in project_ids) if p is not None]
    return notify_new_projects(projects, hooks)
