"""A time limit per document, so one pathological page becomes a reported failure instead
of a batch that never ends.

    from kzinvest.limits import run_with_limit, TimeLimitExceeded
    records = run_with_limit(extract_records, doc, what="extraction")

A watchdog (one thread per process, started once) raises an exception inside the thread
doing the work when the limit is reached (CPython's PyThreadState_SetAsyncExc), so it works in the CLI's main thread and in
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
import time
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


class _Watchdog:
    """One daemon thread per process that calls each armed callback at its deadline.

    A thread per document (threading.Timer) was the first design; starting a thread takes
    the interpreter's thread-state lock, and Dask's worker profiler holds that lock in
    sys._current_frames() while a garbage collection it triggers waits for the GIL: one
    thread start in some tens of thousands deadlocked a worker (CPython gh-106883). One
    thread, started once, starts no other."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._due: dict[int, tuple[float, Callable[[], None]]] = {}
        self._next = 0
        self._thread: threading.Thread | None = None

    def arm(self, delay: float, callback: Callable[[], None]) -> int:
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kzinvest-watchdog",
                                                daemon=True)
                self._thread.start()
            self._next += 1
            self._due[self._next] = (time.monotonic() + delay, callback)
            self._cond.notify()
            return self._next

    def disarm(self, token: int) -> None:
        with self._cond:
            self._due.pop(token, None)

    def _run(self) -> None:
        while True:
            with self._cond:
                now = time.monotonic()
                ready = [t for t, (at, _) in self._due.items() if at <= now]
                calls = [self._due.pop(t)[1] for t in ready]
                if not calls:
                    wait = min((at for at, _ in self._due.values()), default=now + 3600) - now
                    self._cond.wait(max(wait, 0.001))
                    continue
            for call in calls:          # outside the lock: a callback may arm again
                call()

    def reset(self) -> None:
        """In a forked child: the parent's thread is gone and its lock may be held."""
        self._cond = threading.Condition()
        self._due = {}
        self._thread = None


_watchdog = _Watchdog()
os.register_at_fork(after_in_child=_watchdog.reset)


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
    tokens: list[int] = []

    def arm(delay: float) -> None:
        tokens.append(_watchdog.arm(delay, fire))

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
            for token in list(tokens):
                _watchdog.disarm(token)
            if fired:
                _set_async_exc(tid, None)
    except _Abort:
        raise TimeLimitExceeded(f"{what} took longer than {seconds:g} s "
                                f"(pathological input? limit: {ENV})") from None
    finally:
        _local.armed = False
