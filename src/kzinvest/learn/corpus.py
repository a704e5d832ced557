"""Corpora of articles with gold records (the form of ../shared/real and ../shared/dev).

Three kinds, measured apart because they say different things:
  * real — real news pages (`tests/real/batches/*/` and the multi-article `tests/real/stories/`):
    index.tsv + gold.jsonl in the repository (the batches of tests/real/heldout.txt apart),
    the third-party texts in a git-ignored folder (`tests/real/texts/`, or KZINVEST_REAL_TEXTS);
  * dev — the seed articles of ../shared/dev (third-party, never in the repository);
  * own — articles we wrote ourselves (tests/data, tests/heldout, tests/blind, tests/blind3).
Only `real` estimates how the extractor does on news it has never seen.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT.parent / "shared"
REAL = ROOT / "tests" / "real"
OWN_FOLDERS = ("data", "heldout", "blind", "blind3")


@dataclass
class Article:
    id: str                 # unique across corpora: "real/b1-001.txt"
    corpus: str             # real | dev | own
    path: Path
    golds: list[dict] = field(default_factory=list)

    @property
    def file(self) -> str:
        return self.path.name

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def real_texts_dir() -> Path:
    return Path(os.environ.get("KZINVEST_REAL_TEXTS") or REAL / "texts")


def _read_gold(path: Path) -> dict[str, list[dict]]:
    by_file: dict[str, list[dict]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows = by_file.setdefault(row["file"], [])
            if not row.get("none"):
                rows.append(row)
    return by_file


def _sha12(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def heldout_batches() -> set[str]:
    """Batch names listed in tests/real/heldout.txt: never trained or tuned on."""
    path = REAL / "heldout.txt"
    if not path.exists():
        return set()
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}


def load_real(texts: Path | None = None, check: bool = True,
              heldout: bool = False) -> tuple[list[Article], list[str]]:
    """The real-news corpus: articles whose text is present (and, with `check`, identical to
    the annotated one), and one line per page that is missing or differs. With `heldout`, the
    held-out batches only (tests/real/heldout.txt); without, everything else."""
    texts = texts or real_texts_dir()
    articles, problems, seen, texts_seen = [], [], set(), set()
    held = heldout_batches()
    batches = sorted(p for p in (REAL / "batches").glob("*") if (p / "index.tsv").exists())
    for batch in batches + [REAL / "stories"]:
        if not (batch / "index.tsv").exists() or not (batch / "gold.jsonl").exists():
            continue                 # a batch still being annotated
        wanted = (batch.name in held) == heldout
        gold = _read_gold(batch / "gold.jsonl") if wanted else {}
        with open(batch / "index.tsv", encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                name = row["file"]
                # A page annotated twice (found again by another batch's search) is one page:
                # two copies would put the same text on both sides of a cross-validation split,
                # or a page trained on among the held-out ones. Every batch is read for this.
                if name in seen or row["sha256_12"] in texts_seen:
                    continue
                seen.add(name)
                texts_seen.add(row["sha256_12"])
                if not wanted:
                    continue
                path = texts / name
                if not path.exists():
                    problems.append(f"{name}: missing")
                elif check and _sha12(path) != row["sha256_12"]:
                    problems.append(f"{name}: differs from the annotated text")
                else:
                    articles.append(Article(f"real/{name}", "real", path, gold.get(name, [])))
    return articles, problems


def load_folder(folder: Path, corpus: str) -> list[Article]:
    """A corpus folder with `articles/` and `gold.jsonl` (dev and our own)."""
    if not (folder / "gold.jsonl").exists():
        return []
    gold = _read_gold(folder / "gold.jsonl")
    return [Article(f"{corpus}/{folder.name}/{p.name}", corpus, p, gold.get(p.name, []))
            for p in sorted((folder / "articles").iterdir())]


def load_dev() -> list[Article]:
    return load_folder(SHARED / "dev", "dev")


def load_own() -> list[Article]:
    return [a for name in OWN_FOLDERS for a in load_folder(ROOT / "tests" / name, "own")]
