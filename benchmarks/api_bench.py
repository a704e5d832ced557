"""Web benchmark (figures, not pass/fail): latency of the REST API and the overview page
served by ONE uvicorn process over a 100,000-project database.

    .venv/bin/python benchmarks/api_bench.py [--scale 1.0] [--db URL] [--requests 300]

The database comes from the registry benchmark's generator (benchmarks/registry_bench.py:
100,000 projects / 1,000,000 mentions at --scale 1.0); --db reuses an existing one
(generated only when it holds no projects). The server runs in a subprocess
(`uvicorn --factory kzinvest.web.app:app_from_env`), the client sends requests one at a time.

Measured (median / p95 / max, milliseconds):
  projects   /api/projects with 1-3 random filters, random sort, limit 50, random page
  stats      /api/stats?by=... (region, sector, country, stage, year) for a handful of
             common filters, as a dashboard issues them: the first request of each key is
             "cold" (computed), later ones hit the aggregate cache
  overview   GET / (totals, map, 5 charts, latest projects): cold once, then warm
Goals (issue 4): p95 < 100 ms for the API, < 300 ms for the overview page.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from registry_bench import generate, random_filter  # noqa: E402

BY = ("region", "sector", "country", "stage", "year")


def summary(times: list[float]) -> dict:
    t = sorted(times)
    if not t:
        return {}
    return {"n": len(t), "median_ms": round(statistics.median(t), 1),
            "p95_ms": round(t[int(0.95 * (len(t) - 1))], 1), "max_ms": round(t[-1], 1)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def filter_params(rnd: random.Random) -> dict:
    f = random_filter(rnd)
    params = {k: v for k, v in f.__dict__.items()
              if v is not None and k not in ("limit", "offset", "company_id")}
    if isinstance(params.get("stalled"), bool):
        params["stalled"] = "true" if params["stalled"] else "false"
    params["limit"] = 50
    params["offset"] = rnd.choice([0, 0, 0, 50, 100, 150, 500])
    return params


def timed(client: httpx.Client, url: str) -> float:
    t0 = time.perf_counter()
    r = client.get(url)
    dt = (time.perf_counter() - t0) * 1000
    if r.status_code != 200:
        raise SystemExit(f"{url}: HTTP {r.status_code}: {r.text[:300]}")
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="1.0 = 100,000 projects")
    ap.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    ap.add_argument("--requests", type=int, default=300, help="requests per scenario")
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()

    from kzinvest.registry.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/api-bench.db"
        store = open_store(url)
        n = store.counts()["projects"]
        if n == 0:
            n = int(100_000 * args.scale)
            generate(store, n)
        store.close()

        port = free_port()
        env = {**os.environ, "KZINVEST_DB": url, "PYTHONPATH": str(ROOT / "src")}
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "kzinvest.web.app:app_from_env",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
            env=env, cwd=tmp)
        base = f"http://127.0.0.1:{port}"
        out: dict = {"db": url.split(":")[0], "n_projects": n}
        try:
            with httpx.Client(base_url=base, timeout=120) as c:
                for _ in range(300):
                    try:
                        c.get("/api/projects?limit=1")
                        break
                    except httpx.TransportError:
                        time.sleep(0.1)
                rnd = random.Random(args.seed)

                # overview: the first request (the server warms its aggregates at start-up)
                out["overview_first_ms"] = round(timed(c, "/"), 1)

                # /api/projects: random filters, never cached
                urls = ["/api/projects?" + urlencode(filter_params(rnd)) for _ in range(args.requests)]
                for u in urls[:10]:
                    c.get(u)                                  # warm the DB page cache
                out["projects"] = summary([timed(c, u) for u in urls])

                # /api/stats: common dashboard filters x group-by, in random order
                common = [{}, {"region": "KZ-10"}, {"region": "KZ-75"}, {"sector": "energy"},
                          {"country": "CN"}, {"stalled": "true"}]
                keys = [dict(f, by=b) for f in common for b in BY]
                cold = [timed(c, "/api/stats?" + urlencode(k)) for k in keys]
                warm = [timed(c, "/api/stats?" + urlencode(rnd.choice(keys))) for _ in range(args.requests)]
                out["stats_cold"] = summary(cold)
                out["stats_warm"] = summary(warm)
                out["stats_all"] = summary(cold + warm)

                # overview page, steady state
                out["overview"] = summary([timed(c, "/") for _ in range(max(50, args.requests // 3))])
                # filtered project list page (HTML)
                page_urls = ["/projects?" + urlencode({k: v for k, v in filter_params(rnd).items()
                                                       if k not in ("limit", "offset")})
                             for _ in range(max(50, args.requests // 3))]
                out["projects_page"] = summary([timed(c, u) for u in page_urls])
        finally:
            server.terminate()
            server.wait(10)
    out["goals"] = {"api_p95_lt_100ms": out["projects"]["p95_ms"] < 100 and out["stats_all"]["p95_ms"] < 100,
                    "overview_p95_lt_300ms": out["overview"]["p95_ms"] < 300}
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
