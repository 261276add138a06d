"""Sequences whose elements are made the first time they are read.

At hundreds or thousands of proposals, a solve needs only arrays and a few names per variant; the
variants' `Item` objects and their `ItemStatus` objects are what a person reads. `MadeWhenRead`
holds what each element is made from and makes an element, or a run of them, when it is first
read, then keeps it. It reads as the tuple of its elements: length, indices (negative too),
slices, iteration, membership, equality and hash, and it pickles as that tuple.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


class MadeWhenRead(Sequence[T]):
    """A sequence of `n` elements, each made by `_make` when first read (see the module docstring).

    A subclass sets `self._made = [None] * n` and implements `_make(lo, hi)`, which returns
    elements lo..hi-1 in order (a run at once is cheaper than one at a time)."""

    _made: list[T | None]

    def _make(self, lo: int, hi: int) -> list[T]:
        raise NotImplementedError

    def _run(self, lo: int, hi: int) -> list[T]:
        made = self._made
        todo = [i for i in range(lo, hi) if made[i] is None]
        if todo:
            a = todo[0]
            for i, element in zip(range(a, hi), self._make(a, todo[-1] + 1), strict=False):
                if made[i] is None:  # an element read before stays the same object
                    made[i] = element
        return made[lo:hi]  # type: ignore[return-value]

    def __len__(self) -> int:
        return len(self._made)

    def __getitem__(self, index: int | slice) -> Any:  # T, or a tuple of T for a slice
        n = len(self._made)
        if isinstance(index, slice):
            lo, hi, step = index.indices(n)
            if step == 1:
                return tuple(self._run(lo, hi)) if lo < hi else ()
            return tuple(self[i] for i in range(lo, hi, step))
        i = index.__index__()
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"{type(self).__name__} index out of range")
        made = self._made[i]
        return made if made is not None else self._run(i, i + 1)[0]

    def __iter__(self) -> Iterator[T]:
        return iter(self._run(0, len(self._made)))

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if isinstance(other, (tuple, MadeWhenRead)):
            return len(other) == len(self) and tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} elements)"

    def __reduce__(self) -> tuple[Any, ...]:
        return tuple, (tuple(self),)
