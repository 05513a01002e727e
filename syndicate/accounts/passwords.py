"""Password hashing with argon2id; hashes are upgraded when the parameters change."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

# A hash to verify against when the user does not exist, so timing does not reveal it.
# Made by the first check rather than at import, which every process (each command, each
# server worker) would pay for whether or not it ever checks a password.
_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing-only")
    return _DUMMY_HASH


def hash_password(password: str) -> str:
    """Hash ``password`` with argon2id."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check ``password`` against ``stored_hash`` in constant work, even with no hash."""
    # Asked for on every check, so the first check's extra work does not depend on the account.
    dummy = _dummy_hash()
    try:
        return _hasher.verify(stored_hash or dummy, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether ``stored_hash`` was made with older parameters and should be replaced."""
    return _hasher.check_needs_rehash(stored_hash)
