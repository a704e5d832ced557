"""A time limit per document, so one pathological page becomes a reported failure instead
of a batch that never ends.

    from kzinvest.limits import run_with_limit, TimeLimitExceeded
    records = run_with_limit(extract_records, doc, what="extraction")

A watchdog timer raises an exception inside the thread doing the work when the limit is
reached (CPython's PyThreadState_SetAsyncExc), so it works in the CLI's main thread and in
the web server's worker threads alike. The exception is a BaseException, so the `except
Exception` fallbacks inside the pipeline cannot swallow it; `run_with_limit` turns it into
`TimeLimitExceeded` (a ValueError: the input is at fault), which the batch reports as
"SOURCE: extraction took longer than 30 s" and goes on.

The exception is delivered between Python bytecodes: a single long call into C (one regular
expression match, one lxml parse) finishes first. The sizes of inputs are capped for that
reason (files 20 MB, fetched pages 10 MB/20 MB decompressed, WARC records 10 MB), and no
regular expression of ours is superlinear on the fuzzed inputs (tests/security/).

`KZINVEST_DOC_TIMEOUT` sets the limit in seconds (default 30; 0 turns it off).
"""
from __future__ import annotations

import ctypes
import os
import threading
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")
DEFAULT_SECONDS = 30.0
ENV = "KZINVEST_DOC_TIMEOUT"


class TimeLimitExceeded(ValueError):
    """A document took longer than the per-document limit (one line: what and how long)."""


class _Abort(BaseException):
    """Injected into the working thread by the watchdog; never escapes run_with_limit."""


def doc_seconds() -> float:
    """The per-document limit from KZINVEST_DOC_TIMEOUT (0 or less: no limit)."""
    try:
        return float(os.environ.get(ENV, DEFAULT_SECONDS))
    except ValueError:
        return DEFAULT_SECONDS


def _set_async_exc(tid: int, exc: type[BaseException] | None) -> None:
    """Schedule `exc` in thread `tid`, or withdraw a scheduled one (None: NULL)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(tid), ctypes.py_object(exc) if exc is not None else None)


_local = threading.local()


@contextmanager
def time_limit(seconds: float | None = None, what: str = "processing") -> Iterator[None]:
    """Raise TimeLimitExceeded in this thread if the block runs longer than `seconds`
    (default: KZINVEST_DOC_TIMEOUT). Nested limits: only the outermost one is armed."""
    seconds = doc_seconds() if seconds is None else seconds
    if seconds <= 0 or getattr(_local, "armed", False):
        yield
        return
    tid = threading.get_ident()
    lock = threading.Lock()
    state = ["running"]

    def fire() -> None:
        with lock:
            if state[0] == "running":
                state[0] = "fired"
                _set_async_exc(tid, _Abort)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    _local.armed = True
    try:
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
            with lock:
                fired = state[0] == "fired"
                state[0] = "done"
            if fired:
                _set_async_exc(tid, None)       # an exception still pending: withdraw it
    except _Abort:
        raise TimeLimitExceeded(f"{what} took longer than {seconds:g} s "
                                f"(pathological input? limit: {ENV})") from None
    finally:
        _local.armed = False


def run_with_limit(fn: Callable[..., T], *args, seconds: float | None = None,
                   what: str = "processing", **kwargs) -> T:
    """fn(*args, **kwargs) under time_limit(seconds)."""
    with time_limit(seconds, what):
        return fn(*args, **kwargs)
