"""What the feed view's acceptance of a key rested on, handed to the fast path.

The view reads the content version first, then the key and the publisher's licences; every
fact read after the version is at least that new, so a grant labelled with it never hides a
later change: revoking or rotating a key, suspending a publisher and any licence change
raise the version. The view leaves its grant in the WSGI environ, where the fast path
(:mod:`.fastpath`) takes it once the view has answered, with nothing read again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from licenses.keys import LAST_USED_RESOLUTION

# The WSGI environ key under which the feed view leaves its grant.
GRANT = "syndicate.feed_grant"


@dataclass(frozen=True, slots=True)
class Grant:
    """What the view's acceptance of one key rested on, and until when it holds."""

    version: int
    key_id: int
    publisher_id: int
    scope: tuple[Any, ...]
    valid_until: datetime | None
    last_used_at: datetime | None

    def holds(self, version: int, now: datetime) -> bool:
        """Whether the view would accept the key at ``now`` without recording its use."""
        return (
            self.version == version
            and (self.valid_until is None or now < self.valid_until)
            and self.last_used_at is not None
            and now - self.last_used_at < LAST_USED_RESOLUTION
        )
