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
from typing import Callable, TypeVar

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


REFIRE_S = 0.5


def run_with_limit(fn: Callable[..., T], *args, seconds: float | None = None,
                   what: str = "processing", **kwargs) -> T:
    """fn(*args, **kwargs), or TimeLimitExceeded if it runs longer than `seconds` (default:
    KZINVEST_DOC_TIMEOUT). Nested calls: only the outermost limit is armed.

    Python swallows an exception that arrives while a garbage-collector callback or a
    __del__ method runs ("Exception ignored in ..."), so once the limit is reached the
    watchdog raises it again every REFIRE_S seconds until `fn` has really stopped. All the
    handling happens in this one frame (not a context manager's __exit__), so an exception
    arriving as `fn` returns is still caught here and never escapes to the caller."""
    seconds = doc_seconds() if seconds is None else seconds
    if seconds <= 0 or getattr(_local, "armed", False):
        return fn(*args, **kwargs)
    tid = threading.get_ident()
    lock = threading.Lock()
    state = ["running"]
    timers: list[threading.Timer] = []

    def arm(delay: float) -> None:
        t = threading.Timer(delay, fire)
        t.daemon = True
        timers.append(t)
        t.start()

    def fire() -> None:
        with lock:
            if state[0] in ("running", "fired"):
                state[0] = "fired"
                _set_async_exc(tid, _Abort)
                arm(REFIRE_S)

    _local.armed = True
    try:
        try:
            arm(seconds)
            return fn(*args, **kwargs)
        finally:
            # First make sure no watchdog fires again (even if an exception already on its
            # way interrupts this very block), then withdraw one still pending.
            fired = False
            while True:
                try:
                    with lock:
                        fired = fired or state[0] == "fired"
                        state[0] = "done"
                    break
                except _Abort:
                    fired = True
            for t in list(timers):
                t.cancel()
            if fired:
                _set_async_exc(tid, None)
    except _Abort:
        raise TimeLimitExceeded(f"{what} took longer than {seconds:g} s "
                                f"(pathological input? limit: {ENV})") from None
    finally:
        _local.armed = False
