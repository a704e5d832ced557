"""Extraction speed and memory end to end, as a user runs it, side by side with a natasha peer.

Files in, JSON Lines out, each engine a fresh process (interpreter start, model loading, reading
and decoding files counted):
  * kzinvest — `kzinvest extract FOLDER --jsonl --out FILE` (decoding, cleaning, grammars, NER on
    candidate sentences, learned decisions), in one process and with `--jobs 2`;
  * natasha — a script that reads the same files and runs NewsNERTagger + MoneyExtractor over
    each whole text, writing one JSON line per article (where a user of natasha would start).
The corpus is the real pages (tests/real/texts) repeated to --articles files; where they are
absent, the seed and our own articles. Peak memory is the largest process's ru_maxrss. Each engine runs --rounds times, alternating; its best run counts.

    python benchmarks/extract_bench.py [--articles 1000] [--rounds 2]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "tests" / "real" / "texts", ROOT.parent / "shared" / "dev" / "articles",
           ROOT / "tests" / "data" / "articles"]
KZINVEST = [str(Path(sys.executable).with_name("kzinvest"))]

PEER = r'''
import json, sys
from pathlib import Path
from natasha import Doc, MoneyExtractor, MorphVocab, NewsEmbedding, NewsNERTagger, Segmenter
segmenter, emb = Segmenter(), NewsEmbedding()
tagger, money = NewsNERTagger(emb), MoneyExtractor(MorphVocab())
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for path in sorted(Path(sys.argv[1]).iterdir()):
        text = path.read_bytes().decode("utf-8", "replace")
        doc = Doc(text)
        doc.segment(segmenter)
        doc.tag_ner(tagger)
        orgs = [s.text for s in doc.spans if s.type == "ORG"]
        amounts = [m.fact.amount for m in money(text)]
        out.write(json.dumps({"source": str(path), "orgs": orgs, "amounts": amounts}, ensure_ascii=False) + "\n")
'''


def build_corpus(folder: Path, n: int) -> tuple[str, int]:
    for source in SOURCES:
        files = sorted(p for p in source.glob("*") if p.is_file()) if source.exists() else []
        if files:
            break
    else:
        sys.exit("no articles found")
    chars = 0
    for i in range(n):
        src = files[i % len(files)]
        shutil.copyfile(src, folder / f"{i:06d}{src.suffix}")
        chars += len(src.read_bytes().decode("utf-8", "replace"))
    return str(source.relative_to(ROOT.parent) if ROOT.parent in source.parents else source), chars


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=2, help="alternating runs per engine; the best counts")
    args = ap.parse_args()
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        origin, chars = build_corpus(folder, args.articles)
        peer = Path(tmp) / "peer.py"
        peer.write_text(PEER, encoding="utf-8")
        out = str(Path(tmp) / "out.jsonl")
        engines = {
            "natasha NER + MoneyExtractor": [sys.executable, str(peer), str(folder), out],
            "kzinvest extract": [*KZINVEST, "extract", str(folder), "--jsonl", "--out", out],
            "kzinvest extract --jobs 2": [*KZINVEST, "extract", str(folder), "--jsonl", "--out", out, "--jobs", "2"],
        }
        best: dict[str, tuple[float, float]] = {}
        rounds: list[dict[str, float]] = []
        for _ in range(args.rounds):
            rounds.append({})
            for name, cmd in engines.items():
                # a fresh measuring process per run, so ru_maxrss is this engine's alone
                probe = subprocess.run([sys.executable, "-c", _PROBE, *cmd], env=env, check=True,
                                       capture_output=True, text=True)
                seconds, peak = map(float, probe.stdout.split())
                rounds[-1][name] = seconds
                if name not in best or seconds < best[name][0]:
                    best[name] = (seconds, peak)
    print(f"corpus: {args.articles} files from {origin}, {chars / 1e6:.2f} M characters; files in, JSON Lines out")
    for name, (seconds, peak) in best.items():
        print(f"{name:30s} {args.articles / seconds:7.1f} articles/s  {seconds:6.1f} s  peak memory {peak:5.0f} MB")
    one = best["kzinvest extract"][0]
    print(f"kzinvest / natasha, one process: {best['natasha NER + MoneyExtractor'][0] / one:.2f}x")
    print(f"kzinvest --jobs 2 / one process: {one / best['kzinvest extract --jobs 2'][0]:.2f}x")
    # On a shared machine the best runs of two engines may come from quiet and busy moments;
    # the ratios within each round (engines run back to back) show how much that matters.
    for label, a, b in (("kzinvest / natasha", "natasha NER + MoneyExtractor", "kzinvest extract"),
                        ("--jobs 2 / one process", "kzinvest extract", "kzinvest extract --jobs 2")):
        ratios = sorted(r[a] / r[b] for r in rounds)
        print(f"{label}, per round: min {ratios[0]:.2f}x, median {ratios[len(ratios) // 2]:.2f}x, "
              f"max {ratios[-1]:.2f}x over {len(ratios)} rounds")


# Runs a command and prints its wall time and the peak resident memory of the largest process it
# ran (with --jobs, the parent or one worker; forked workers share the parent's loaded models).
_PROBE = r'''
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
seconds = time.perf_counter() - start
print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
'''


if __name__ == "__main__":
    main()
