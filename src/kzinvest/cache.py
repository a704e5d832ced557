"""A disk cache for structures that are slow to build and pure functions of known files (the
place automaton, the ECB rate table, the NER tagger with its word vectors): built once, then
read back at every start of a command.

Where: ``$KZINVEST_CACHE``, else ``$XDG_CACHE_HOME/kzinvest``, else ``~/.cache/kzinvest``;
``KZINVEST_CACHE=off`` disables it. An entry's name holds a hash of the files it is computed
from (and of the Python version), so a changed gazetteer, grammar or library never reads a stale
entry. Writes are atomic (a temporary file renamed), so concurrent processes (``extract
--jobs``, Dask workers) at worst build it twice. A cache that cannot be read or written is
ignored: the structure is then simply built.

The entries are pickles, trusted as the user's own files are (like Python's ``__pycache__``):
the folder is created readable by its owner only, and should not be pointed at a folder that
others can write to.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
PACKAGE = Path(__file__).resolve().parent


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is off."""
    setting = os.environ.get("KZINVEST_CACHE")
    if setting and setting.lower() in ("off", "0", "no", "false"):
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kzinvest"


BIG = 1 << 20     # files above this size (installed model archives) count by size and time


def digest(files: Iterable[Path]) -> str:
    """A hash of the files' names and contents (of a big file: its size and modification time,
    which an installation changes) and of the Python version."""
    h = hashlib.sha256(repr(sys.version_info[:2]).encode())
    for path in sorted(files):
        h.update(str(path).encode())
        st = path.stat()
        h.update(f"{st.st_size} {st.st_mtime_ns}".encode() if st.st_size > BIG else path.read_bytes())
    return h.hexdigest()[:16]


def cached(name: str, build: Callable[[], T], inputs: Callable[[], Iterable[Path]]) -> T:
    """``build()``, or its result as stored by an earlier run whose ``inputs()`` were the same."""
    folder = cache_dir()
    if folder is None:
        return build()
    try:
        path = folder / f"{name}-{digest(inputs())}.pickle"
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except Exception:   # absent, damaged or unreadable: build it (and overwrite)
        pass
    value = build()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        for old in folder.glob(f"{name}-*.pickle"):   # entries of older code or data
            if old != path:
                old.unlink(missing_ok=True)
    except Exception:
        pass
    return value


def extraction_inputs() -> list[Path]:
    """What the gazetteers are computed from: the extraction code and the data files (but not
    the trained models, which no gazetteer reads), and the automaton library."""
    import ahocorasick
    files = list((PACKAGE / "extract").rglob("*.py"))
    files += [p for p in (PACKAGE / "data").rglob("*") if p.is_file() and "models" not in p.parts]
    return files + [Path(ahocorasick.__file__)]
