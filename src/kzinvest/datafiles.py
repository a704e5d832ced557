"""The package's data files (src/kzinvest/data/), read the same way everywhere."""
from __future__ import annotations

import csv
from importlib import resources


def read_rows(*parts: str) -> list[dict[str, str]]:
    """A CSV file under data/, as dicts keyed by its header."""
    path = resources.files("kzinvest").joinpath("data", *parts)
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def split_list(value: str | None) -> list[str]:
    """A "|"-separated cell ("Алматы|Алма-Ата") as a list, blanks dropped."""
    return [x.strip() for x in (value or "").split("|") if x.strip()]


def data_path(*parts: str):
    """A path under data/ (which may not exist: optional files such as trained models)."""
    from pathlib import Path
    return Path(str(resources.files("kzinvest").joinpath("data", *parts)))
