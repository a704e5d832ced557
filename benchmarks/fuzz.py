"""Fuzz decoding, cleaning and extraction with Hypothesis, at volume: 100,000 generated hostile
inputs by default (CI runs 2,000 of the same kinds: tests/security/test_fuzz.py).

Inputs come from tests/security/hostile.py: random bytes and texts in eleven encodings,
truncated mid-character; Russian news fragments mixed with right-to-left and zero-width
characters, other scripts, control characters and numbers of up to 400 digits; generated,
deeply nested and never-closed HTML. Every input must come out as a Document with verbatim
evidence or as a reported InputError, within 10 s of CPU (CPU, not wall time, so a busy
machine cannot turn a fast input into a failure). Failures are not shrunk (this is a volume
run); each is printed and written whole (its repr) to --out, to be replayed.

    python benchmarks/fuzz.py [--count 100000] [--jobs 1] [--seed N] [--out fuzz-failures.txt]

The count is split between the three stages (decode 40 %, clean 30 %, decode+clean+extract
30 %); with --jobs N, N processes each run their share with their own seed.
"""
from __future__ import annotations

import argparse
import json
import logging
import multiprocessing as mp
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARES = {"decode": 0.4, "clean": 0.3, "pipeline": 0.3}


def _run_stage(stage: str, count: int, seed: int) -> dict:
    from hypothesis import HealthCheck, Phase, given, seed as hseed, settings
    from hypothesis import strategies as st

    from tests.security import hostile

    logging.disable(logging.CRITICAL)          # trafilatura logs every page it dislikes
    outcomes: Counter = Counter()
    failures: list[dict] = []
    slowest = [0.0, ""]

    def record(kind: str, case, fn) -> None:
        t0 = time.process_time()
        try:
            outcomes[fn() or "ok"] += 1
        except Exception as exc:             # collect, never stop: this is a volume run
            outcomes["FAILED"] += 1
            failures.append({"stage": stage, "error": f"{type(exc).__name__}: {exc}"[:500],
                             "input": repr(case)})          # whole, so it can be replayed
        took = time.process_time() - t0
        if took > slowest[0]:
            slowest[:] = [took, repr(case)[:200]]

    strategy = {
        "decode": hostile.raw_bytes,
        "clean": st.one_of(hostile.html.map(lambda h: (h, "html")),
                           hostile.texts.map(lambda t: (t, "text"))),
        "pipeline": st.one_of(hostile.texts.map(lambda t: (t, "text")), hostile.raw_bytes,
                              hostile.html.map(lambda h: (h, "html"))),
    }[stage]

    @hseed(seed)
    @settings(max_examples=count, deadline=None, database=None, derandomize=False,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(case):
        if stage == "decode":
            record(stage, case, lambda: "text" if hostile.check_decode(case) is not None else "refused")
        elif stage == "clean":
            record(stage, case, lambda: "doc" if hostile.check_clean(*case) is not None else "refused")
        elif isinstance(case, tuple):
            record(stage, case, lambda: hostile.check_pipeline(case[0], case[1]))
        else:
            record(stage, case, lambda: hostile.check_pipeline(case, "text"))

    t0 = time.perf_counter()
    run()
    return {"stage": stage, "count": sum(outcomes.values()), "outcomes": dict(outcomes),
            "failures": failures, "seconds": time.perf_counter() - t0,
            "slowest_s": round(slowest[0], 3), "slowest_input": slowest[1]}


def _job(args) -> list[dict]:
    stage_counts, seed = args
    return [_run_stage(stage, n, seed + i) for i, (stage, n) in enumerate(stage_counts) if n]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--out", default="fuzz-failures.txt")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    os.environ.setdefault("KZINVEST_DOC_TIMEOUT", "30")
    per_job = []
    for j in range(a.jobs):
        share = [(s, int(a.count * f) // a.jobs + (1 if j < (int(a.count * f) % a.jobs) else 0))
                 for s, f in SHARES.items()]
        per_job.append((share, seed + 1000 * j))
    missing = a.count - sum(n for share, _ in per_job for _, n in share)
    if missing:
        per_job[0][0][0] = ("decode", per_job[0][0][0][1] + missing)
    t0 = time.perf_counter()
    if a.jobs == 1:
        results = _job(per_job[0])
    else:
        with mp.get_context("spawn").Pool(a.jobs) as pool:
            results = [r for rs in pool.map(_job, per_job) for r in rs]
    took = time.perf_counter() - t0
    total = Counter()
    by_stage: dict[str, Counter] = {}
    failures = []
    for r in results:
        by_stage.setdefault(r["stage"], Counter()).update(r["outcomes"])
        total["inputs"] += r["count"]
        failures += r["failures"]
    print(f"fuzz: {total['inputs']:,} inputs in {took:.0f} s (seed {seed}, {a.jobs} job(s)); "
          f"{len(failures)} failures")
    for stage, c in by_stage.items():
        print(f"  {stage:9} {sum(c.values()):>8,}  " + ", ".join(f"{k} {v:,}" for k, v in sorted(c.items())))
    slow = max(results, key=lambda r: r["slowest_s"])
    print(f"  slowest input: {slow['slowest_s']} s of CPU ({slow['stage']}): {slow['slowest_input'][:120]}")
    if failures:
        with open(a.out, "w", encoding="utf-8") as fh:
            for f in failures:
                fh.write(json.dumps(f, ensure_ascii=False) + "\n")
        for f in failures[:10]:
            print(f"  FAILED {f['stage']}: {f['error'][:200]}\n    input: {f['input'][:300]}")
        print(f"  all failures: {a.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
