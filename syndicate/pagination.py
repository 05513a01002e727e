"""One page of a longer list: the public site's story lists and the staff console's tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and where it sits among the others."""

    items: Sequence[T]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one, even when empty)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.number < self.pages


@dataclass(frozen=True)
class Slice(Generic[T]):
    """One page of a list paged by keyset: the ids beside it name the neighbouring pages.

    ``newer`` is the id to put in ``?after=`` for the page before this one, ``older`` the id
    for ``?before=`` for the page after it; None when there is no such page. Reaching any page
    costs one index range, however deep it is. ``cap``, when set, is where ``total`` stopped
    counting (a total above it means "more than ``cap``").
    """

    items: Sequence[T]
    per_page: int
    total: int
    newer: int | None = None
    older: int | None = None
    cap: int | None = None

    @property
    def pages(self) -> int:
        """How many pages there are (at least one, even when empty)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def total_label(self) -> str:
        """The count as a list's header says it: "more than 10,000" past the cap."""
        if self.cap is not None and self.total > self.cap:
            return f"More than {self.cap:,}"
        return f"{self.total:,}"

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.newer is not None

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.older is not None


@dataclass(frozen=True)
class Cursor:
    """Where a keyset page starts: strictly ``before`` (older than) or ``after`` an id."""

    id: int
    after: bool = False
