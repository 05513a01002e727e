"""How hard the property and fuzz tests search: quick by default, thorough in CI.

``make test`` on a developer's machine runs the quick profile so that the whole suite ends
in a few minutes; ``.ci/run`` sets ``SYNDICATE_TEST_DEPTH=thorough`` and every generated-case
count is the full one there (10,000 sanitiser cases, 2,000 licence sets, …).
"""

from __future__ import annotations

import os

THOROUGH = os.environ.get("SYNDICATE_TEST_DEPTH", "quick") == "thorough"


def examples(thorough: int, quick: int) -> int:
    """The number of generated examples for this run's depth."""
    return thorough if THOROUGH else quick
