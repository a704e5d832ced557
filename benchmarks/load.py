"""Load test (figures, not pass/fail): concurrent clients against `kzinvest serve` on loopback
while an ingest writes to the same database, mixing API, pages and feeds.

    .venv/bin/python benchmarks/load.py [--clients 50] [--seconds 60] [--workers 2]
                                         [--no-ingest] [--ingest-nice 10] [--out load.json]

1. A fresh SQLite registry holding the demo data (`kzinvest ingest samples/`, as `make demo`).
2. `kzinvest serve --workers N` in its own process(es).
3. Single-request latency with one client and nothing else running: the same API request
   repeated (answered by the micro-cache after the first) and distinct ones (computed).
4. Meanwhile an ingest of generated articles (the samples, each made unique) runs in its own
   process, extractor and all, for the whole test (--no-ingest: without it), at `ingest --nice
   10` as a batch job beside a server should run (--ingest-nice 0: at the server's priority).
5. --clients keep-alive clients, each sending its next request as soon as the last one is
   answered, for --seconds: 55 % API (/api/projects with filters and pages, a project, stats,
   companies, indicators, a document), 30 % pages (overview, project list, a project, a
   region, companies), 15 % Atom feeds. The client is a minimal asyncio HTTP/1.1 client, so it
   costs the 2-core machine little.
Reported: requests, throughput, p50/p95/p99/max latency overall and per kind, errors (any
status other than 200, any connection failure or timeout), documents ingested meanwhile.
Goals (issue 10): zero errors, p95 under 250 ms, a single API request under 5 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
KZ = str(Path(sys.executable).with_name("kzinvest"))
REGIONS = ["KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-35", "KZ-39",
           "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63", "KZ-71", "KZ-75", "KZ-79"]
SECTORS = ["energy", "chemicals", "metallurgy", "agri_food", "mining", "tourism", "logistics"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(q * (len(v) - 1) + 0.5))] if v else float("nan")


def stats(ms: list[float]) -> dict:
    if not ms:
        return {"n": 0}
    return {"n": len(ms), "p50_ms": round(pct(ms, .5), 1), "p95_ms": round(pct(ms, .95), 1),
            "p99_ms": round(pct(ms, .99), 1), "max_ms": round(max(ms), 1),
            "mean_ms": round(statistics.fmean(ms), 1)}


class Conn:
    """One keep-alive HTTP/1.1 connection (GET only, Content-Length or chunked bodies)."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def get(self, path: str, timeout: float = 30.0) -> tuple[int, bytes]:
        return await asyncio.wait_for(self._get(path), timeout)

    async def _get(self, path: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n\r\n".encode())
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                parts.append(chunk[:-2])
            body = b"".join(parts)
        else:
            body = await self.reader.read()
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def request_mix(ids: dict, rnd: random.Random) -> tuple[str, str]:
    r = rnd.random()
    if r < 0.55:
        k = rnd.random()
        if k < 0.45:
            params = [f"limit={rnd.choice([10, 20, 50])}", f"offset={rnd.choice([0, 0, 10])}"]
            for name, values in (("region", REGIONS), ("sector", SECTORS), ("stage", ["memorandum", "agreement", "construction", "launched"])):
                if rnd.random() < 0.3:
                    params.append(f"{name}={rnd.choice(values)}")
            if rnd.random() < 0.15:
                params.append("q=" + quote(rnd.choice(["ветер", "завод", "Hyrasia", "полипропилен"])))
            return "api", "/api/projects?" + "&".join(params)
        if k < 0.7:
            return "api", f"/api/projects/{rnd.choice(ids['projects'])}"
        if k < 0.85:
            return "api", "/api/stats?by=" + rnd.choice(["region", "sector", "country", "stage", "year"])
        if k < 0.92:
            return "api", rnd.choice(["/api/companies", "/api/indicators"])
        return "api", f"/api/documents/{rnd.choice(ids['documents'])}"
    if r < 0.85:
        return "page", rnd.choice(["/", "/projects", f"/projects?region={rnd.choice(REGIONS)}",
                                   f"/projects/{rnd.choice(ids['projects'])}",
                                   f"/regions/{rnd.choice(REGIONS)}", "/companies"])
    return "feed", "/feeds/projects.atom" + rnd.choice(["", f"?region={rnd.choice(REGIONS)}",
                                                        f"?sector={rnd.choice(SECTORS)}"])


async def run_load(port: int, ids: dict, clients: int, seconds: float, seed: int) -> dict:
    results: dict[str, list[float]] = {"api": [], "page": [], "feed": []}
    errors: list[str] = []
    stop = time.perf_counter() + seconds

    async def client(i: int) -> None:
        rnd = random.Random(seed * 1000 + i)
        conn = Conn(port)
        while time.perf_counter() < stop:
            kind, path = request_mix(ids, rnd)
            t0 = time.perf_counter()
            try:
                status, _ = await conn.get(path)
            except Exception as exc:               # timeouts, resets: errors, then reconnect
                errors.append(f"{path}: {type(exc).__name__}")
                conn.close()
                continue
            ms = (time.perf_counter() - t0) * 1000
            if status != 200:
                errors.append(f"{path}: HTTP {status}")
            results[kind].append(ms)
        conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    took = time.perf_counter() - t0
    every = [x for v in results.values() for x in v]
    return {"clients": clients, "seconds": round(took, 1), "requests": len(every),
            "throughput_rps": round(len(every) / took, 1), "errors": len(errors),
            "error_examples": errors[:10], "all": stats(every),
            **{kind: stats(v) for kind, v in results.items()}}


async def single_latency(port: int, ids: dict, n: int = 200) -> dict:
    conn = Conn(port)
    same, distinct = [], []
    for i in range(n):
        t0 = time.perf_counter()
        await conn.get("/api/projects?limit=50")
        same.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        await conn.get(f"/api/projects?limit=50&offset=0&nocache={i}")   # a new key: computed
        distinct.append((time.perf_counter() - t0) * 1000)
    one = []
    for i in range(n):
        t0 = time.perf_counter()
        await conn.get(f"/api/projects/{ids['projects'][i % len(ids['projects'])]}?nocache={i}")
        one.append((time.perf_counter() - t0) * 1000)
    conn.close()
    return {"api_projects_repeated": stats(same), "api_projects_computed": stats(distinct),
            "api_project_computed": stats(one)}


def make_corpus(folder: Path, n: int, offset: int) -> None:
    """Unique articles from the samples: same shape, a different issue number and figures."""
    samples = sorted((ROOT / "samples").glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in samples]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(offset, offset + n):
        t = texts[i % len(texts)]
        t = re.sub(r"\b(\d{2,3})\b", lambda m: str(int(m.group(1)) + i % 7 + 1), t, count=3)
        (folder / f"gen{i:05d}.txt").write_text(f"Выпуск {i}.\n\n{t}", encoding="utf-8")


def wait_ready(port: int, proc, timeout: float = 60) -> None:
    import urllib.request
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("server exited")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/projects?limit=1", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=2,
                    help="`serve --workers` (2: one per core of the 2-core reference machine)")
    ap.add_argument("--no-ingest", action="store_true")
    ap.add_argument("--ingest-nice", type=int, default=10,
                    help="the ingest's `--nice` (0: same CPU priority as the server)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kzinvest-load-"))
    db = f"sqlite:///{tmp / 'load.db'}"
    env = {**os.environ, "KZINVEST_DB": db}
    subprocess.run([KZ, "ingest", str(ROOT / "samples"), "--no-progress"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    port = free_port()
    server_log = open(tmp / "server.log", "w")
    server = subprocess.Popen([KZ, "serve", "--port", str(port), "--workers", str(a.workers),
                               "--log-level", "warning"], env=env, stdout=server_log,
                              stderr=subprocess.STDOUT, text=True)
    ingest = None
    try:
        wait_ready(port, server)
        import urllib.request

        def get_json(path):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as r:
                return json.load(r)

        ids = {"projects": [p["id"] for p in get_json("/api/projects?limit=500")["items"]]}
        ids["documents"] = sorted({s["document_id"] for pid in ids["projects"][:50]
                                   for s in get_json(f"/api/projects/{pid}")["sources"]})
        single = asyncio.run(single_latency(port, ids))
        load_before = os.getloadavg()
        ingested = 0
        if not a.no_ingest:
            make_corpus(tmp / "corpus", 3000, 0)
            ingest = subprocess.Popen([KZ, "ingest", str(tmp / "corpus"), "--no-progress",
                                       "--nice", str(a.ingest_nice)], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(2)                          # the extractor's models are loaded
            before = get_json("/api/projects?limit=1")["total"]
        load = asyncio.run(run_load(port, ids, a.clients, a.seconds, a.seed))
        if ingest is not None:
            ingest.terminate()
            ingest.wait(timeout=30)
            import sqlite3
            ingested = sqlite3.connect(str(tmp / "load.db")).execute(
                "select count(*) from documents").fetchone()[0] - len(list((ROOT / "samples").glob("*.txt")))
        result = {"workers": a.workers, "ingest_running": not a.no_ingest, "ingest_nice": a.ingest_nice,
                  "documents_ingested_during_load": ingested, "loadavg_before": load_before,
                  "cpus": os.cpu_count(), "single": single, "load": load}
    finally:
        for p in (ingest, server):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
    s, l = result["single"], result["load"]
    print(f"single request, idle server ({a.workers} worker(s)): /api/projects repeated p50 "
          f"{s['api_projects_repeated']['p50_ms']} ms; computed p50 {s['api_projects_computed']['p50_ms']} ms "
          f"(p95 {s['api_projects_computed']['p95_ms']}); /api/projects/ID computed p50 "
          f"{s['api_project_computed']['p50_ms']} ms")
    print(f"load: {l['clients']} clients for {l['seconds']} s"
          f"{', ingest running (' + str(ingested) + ' documents stored meanwhile)' if not a.no_ingest else ''}: "
          f"{l['requests']:,} requests, {l['throughput_rps']} req/s, p50 {l['all']['p50_ms']} ms, "
          f"p95 {l['all']['p95_ms']} ms, p99 {l['all']['p99_ms']} ms, max {l['all']['max_ms']} ms, "
          f"errors {l['errors']}")
    for kind in ("api", "page", "feed"):
        k = l[kind]
        print(f"  {kind:5} n={k['n']:,} p50 {k.get('p50_ms')} ms p95 {k.get('p95_ms')} ms")
    if l["error_examples"]:
        print("  errors, e.g.: " + "; ".join(l["error_examples"]))
        print(f"  server log: {tmp / 'server.log'}")
    print(f"  load average before: {', '.join(f'{x:.1f}' for x in result['loadavg_before'])} "
          f"on {result['cpus']} CPUs")
    if a.out:
        Path(a.out).write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
