"""End to end on whole corpora, scored by ../shared/tools/score.py.

The seed articles (../shared/dev, third-party text the repo never holds) must reach the issue's
quality bar. Our own corpora are floors below what they score now, so a change that makes the
extractor worse on news it was not written for fails. Skips where ../shared is absent.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
HERE = Path(__file__).resolve().parent

# (folder, project F1 floor, slot F1 floor). First measurements, before a corpus was used to
# find failure classes: tests/data 0.767 / 0.706, heldout 0.703 / 0.622, blind 0.686 / 0.630;
# blind3 was measured once (0.844 / 0.769) and never used for development.
CORPORA = [
    pytest.param(SHARED / "dev", 0.90, 0.90, id="seed-dev"),
    pytest.param(HERE / "data", 0.85, 0.85, id="own"),
    pytest.param(HERE / "heldout", 0.85, 0.85, id="heldout"),
    pytest.param(HERE / "blind", 0.82, 0.78, id="blind"),
    pytest.param(HERE / "blind3", 0.80, 0.72, id="blind3-final"),
]

pytestmark = pytest.mark.slow


def _scorer():
    spec = importlib.util.spec_from_file_location("score", SHARED / "tools" / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_cli(paths: list[str], tmp_path: Path) -> Path:
    out = tmp_path / "pred.jsonl"
    proc = subprocess.run([sys.executable, "-m", "kzinvest.cli", "extract", *paths, "--jsonl", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out


def _score_folder(folder: Path, tmp_path: Path) -> dict:
    score = _scorer()
    articles = sorted(str(p) for p in (folder / "articles").iterdir())
    pred = _run_cli(articles, tmp_path)
    result, lines = score.score(score.load_jsonl(folder / "gold.jsonl"), score.load_jsonl(pred),
                                str(folder / "articles"), details=True)
    print("\n".join(lines))
    print(json.dumps(result, indent=1))
    return result


@pytest.mark.skipif(not (SHARED / "tools" / "score.py").exists(), reason="../shared is not here (user machine)")
@pytest.mark.parametrize("folder,project_floor,slot_floor", CORPORA)
def test_corpus_quality(folder, project_floor, slot_floor, tmp_path):
    if not folder.exists():
        pytest.skip(f"{folder} is not here")
    result = _score_folder(folder, tmp_path)
    assert result["ungrounded_share"] == 0, "every evidence string must be verbatim in its article"
    assert result["project_f1"] >= project_floor
    assert result["slot_f1"] >= slot_floor
