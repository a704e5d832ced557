"""Money grammar speed: ms per 5 KB article, old (regex) vs new (yargy).

    .venv/bin/python benchmarks/money_bench.py [--old PATH_OR_GIT_REV] [--dir DIR]

Each article in DIR (default /work/shared/dev/articles/*.txt, read only) is cut
into 5 KB slices; every slice goes through ``find_money`` of both versions.
The old implementation is loaded from a file path or from
``git show REV:src/kzinvest/extract/money.py`` (default: the last commit whose
money.py does not use yargy).  Times are CPU time (time.process_time), best
of --repeat runs, so that a busy machine disturbs them less.  The new
version caches yargy parses per window text; "cold" empties that cache before
each run, "warm" keeps it.
"""
from __future__ import annotations

import argparse
import glob
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))
MONEY_PY = "src/kzinvest/extract/money.py"


def _old_source(ref: str | None) -> str:
    if ref and os.path.exists(ref):
        with open(ref, encoding="utf-8") as f:
            return f.read()
    git = ["git", "-C", ROOT]
    if not ref:
        revs = subprocess.run(git + ["log", "--format=%H", "--", MONEY_PY],
                              capture_output=True, text=True, check=True).stdout.split()
        for rev in revs:
            src = subprocess.run(git + ["show", f"{rev}:{MONEY_PY}"],
                                 capture_output=True, text=True, check=True).stdout
            if "extract.grammars" not in src:   # the regex implementation
                return src
        raise SystemExit("no regex money.py in git history: pass --old PATH")
    return subprocess.run(git + ["show", f"{ref}:{MONEY_PY}"],
                          capture_output=True, text=True, check=True).stdout


def _load(name: str, source: str):
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False, encoding="utf-8") as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location(name, f.name)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod           # dataclasses look the module up
    spec.loader.exec_module(mod)
    os.unlink(f.name)
    return mod


def _slices(directory: str, size: int) -> list[str]:
    out = []
    for path in sorted(glob.glob(os.path.join(directory, "*.txt"))):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        out += [text[i:i + size] for i in range(0, len(text), size) if text[i:i + size].strip()]
    return out


def _time(fn, slices, repeat: int, reset=None) -> float:
    for s in slices:          # warm-up: parser construction, morph caches
        fn(s)
    best = float("inf")
    for _ in range(repeat):
        if reset:
            reset()
        t0 = time.process_time()
        for s in slices:
            fn(s)
        best = min(best, time.process_time() - t0)
    return best / len(slices) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", help="old money.py: a file path or a git revision")
    ap.add_argument("--dir", default="/work/shared/dev/articles")
    ap.add_argument("--size", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    warnings.simplefilter("ignore")
    from kzinvest.extract import money as new

    old = _load("money_old", _old_source(args.old))
    slices = _slices(args.dir, args.size)
    if not slices:
        raise SystemExit(f"no *.txt under {args.dir}")

    found_old = sum(len(old.find_money(s)) for s in slices)
    found_new = sum(len(new.find_money(s)) for s in slices)
    same = sum(
        [(m.start, m.end, m.amount, m.amount_max, m.currency, m.qualifier)
         for m in old.find_money(s)]
        == [(m.start, m.end, m.amount, m.amount_max, m.currency, m.qualifier)
            for m in new.find_money(s)]
        for s in slices)
    # the new version caches parses per window text: cold = cache emptied
    # before each run (what a stream of unseen articles costs), warm = kept
    reset = getattr(getattr(new, "_parse", None), "cache_clear", None)
    t_old = _time(old.find_money, slices, args.repeat)
    t_new = _time(new.find_money, slices, args.repeat, reset=reset)
    t_warm = _time(new.find_money, slices, args.repeat)
    print(f"{len(slices)} slices of {args.size} chars from {args.dir}")
    print(f"old (regex):        {t_old:6.2f} ms/article  {found_old} amounts")
    print(f"new (yargy), cold:  {t_new:6.2f} ms/article  {found_new} amounts")
    print(f"new (yargy), warm:  {t_warm:6.2f} ms/article  (window cache kept)")
    print(f"slices with identical output: {same}/{len(slices)}")


if __name__ == "__main__":
    main()
