"""Names readers may not comment under: the desk's own, its staff's and its reporters'.

Names are compared by a look-alike key rather than as typed, so that case, spacing,
punctuation, accents, compatibility forms (full-width or mathematical letters, ligatures)
and the commonest Cyrillic and Greek look-alikes of Latin letters make no difference:
"The Lantern Desk", "lantern-desk EDITORS", "Ｌａｎｔｅｒｎ Ｄｅｓｋ" and "Тhe Lаntern Desk"
(with Cyrillic letters) all reserve alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Look-alikes mapped before case folding, because upper and lower case look alike
# differently (Greek capital Nu looks like N, small nu like v). Not the full Unicode
# confusables table: the letters that pass for Latin in common fonts.
LOOKALIKES = str.maketrans(
    {
        # Cyrillic capitals
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
        "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ԁ": "D",
        # Cyrillic small letters
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
        "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ӏ": "l",
        # Greek capitals
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
        # Greek small letters
        "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "υ": "u",
    }
)  # fmt: skip
# After case folding: letters and digits that pass for one another in Latin text
# (I, l, 1 and | in many sans-serif fonts).
FOLDED_LOOKALIKES = str.maketrans(
    {"ı": "l", "i": "l", "1": "l", "|": "l", "ɑ": "a", "ɡ": "g", "0": "o"}
)

RESERVED = "This name is reserved for the desk and its staff. Please choose another."


def name_key(name: str) -> str:
    """``name`` reduced to the letters and digits it looks like, case-folded.

    Two names with the same key look alike on a page; the key is for comparing only.
    """
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = plain.translate(LOOKALIKES).casefold().translate(FOLDED_LOOKALIKES)
    return "".join(c for c in folded if c.isalnum())


# Names made only of these words speak for the desk as a whole ("The editors", "Newsroom").
_DESK_WORDS = (
    "the", "our", "news", "newsroom", "desk", "editor", "editors", "editorial", "team",
    "staff", "moderator", "moderators", "admin", "administrator", "administrators",
)  # fmt: skip
DESK_WORDS = re.compile("(?:" + "|".join(map(name_key, _DESK_WORDS)) + ")+")
LEADING_THE = name_key("the")


def _core(name: str) -> str:
    key = name_key(name)
    stripped = key.removeprefix(LEADING_THE)
    return stripped or key


@dataclass(frozen=True)
class ReservedNames:
    """The names a reader may not use, as look-alike keys.

    ``desk`` holds the desk's names (its configured site name and any others): a name that
    contains one of them is reserved. ``people`` holds staff and reporters' names: a name
    that looks like one of them is reserved.
    """

    desk: frozenset[str]
    people: frozenset[str]

    @classmethod
    def build(cls, desk_names: Iterable[str], people: Iterable[str]) -> ReservedNames:
        """Keys for the desk's names and for the people's names (empty names are skipped)."""
        return cls(
            desk=frozenset(core for core in map(_core, desk_names) if core),
            people=frozenset(key for key in map(name_key, people) if key),
        )

    def speaks_for_desk(self, name: str) -> bool:
        """Whether ``name`` presents itself as the desk: its name, or only desk words."""
        key = name_key(name)
        if not key:
            return False
        return DESK_WORDS.fullmatch(key) is not None or any(core in key for core in self.desk)

    def is_reserved(self, name: str, own_name: str | None = None) -> bool:
        """Whether a reader may not comment as ``name``.

        ``own_name`` is the name of the signed-in staff member posting, if any: they may
        use their own name and the desk's, never a colleague's.
        """
        key = name_key(name)
        if own_name is not None:
            return key != name_key(own_name) and key in self.people
        return key in self.people or self.speaks_for_desk(name)
