"""The one error type of the input stage.

An `InputError` names the input it is about and says in a few words what is wrong
with it; `str(err)` is the one-line message the CLI prints ("PATH: reason").
`iter_documents` yields these instead of raising them, so one bad file never stops
a batch.
"""
from __future__ import annotations


class InputError(Exception):
    """A bad input: `.source` is the path as given (or None), `.reason` short text.

    Accepted forms::

        InputError("binary file")                 # reason only (source set later)
        InputError("a.txt", "empty file")         # source, reason
        InputError(reason="empty file", source="a.txt")
    """

    def __init__(self, *args: str | None, source: str | None = None,
                 reason: str | None = None) -> None:
        if len(args) == 1 and reason is None:
            reason = args[0]
        elif len(args) == 2:
            source, reason = args
        elif len(args) > 2:
            raise TypeError("InputError takes at most (source, reason)")
        self.source = source
        self.reason = reason or "bad input"
        super().__init__(str(self))

    def with_source(self, source: str) -> "InputError":
        """A copy of this error that names `source`."""
        return type(self)(source, self.reason)

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}" if self.source else self.reason

    def __repr__(self) -> str:
        return f"InputError(source={self.source!r}, reason={self.reason!r})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, InputError) and other.source == self.source
                and other.reason == self.reason)

    def __hash__(self) -> int:
        return hash((self.source, self.reason))
