"""Password checks in the web layer: the policy from the configuration, refusals kept."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from syndicate.accounts.models import User
from syndicate.accounts.throttle import ThrottlePolicy, Verdict, check_password
from syndicate.web.db import db_session, keep_writes


def throttle_policy() -> ThrottlePolicy:
    """The configured limit on password checks per account (``[auth]``)."""
    return ThrottlePolicy(
        max_failures=max(1, int(current_app.config["AUTH_MAX_FAILED_PASSWORDS"])),
        window=timedelta(minutes=max(1, int(current_app.config["AUTH_LOCKOUT_MINUTES"]))),
    )


def locked_message() -> str:
    """What a form says when its account takes no more password checks for now."""
    minutes = throttle_policy().minutes
    return f"Too many wrong passwords were given for this account. Try again in {minutes} minutes."


def retry_after() -> dict[str, str]:
    """The ``Retry-After`` header of a refusal: the longest the account stays closed."""
    return {"Retry-After": str(int(throttle_policy().window.total_seconds()))}


def confirm_password(user: User, password: str) -> Verdict:
    """Check the signed-in ``user``'s password again, counted against the account.

    A wrong password stays counted although the request that gave it is refused.
    """
    verdict = check_password(
        db_session(),
        account=user.email,
        stored_hash=user.password_hash,
        password=password,
        policy=throttle_policy(),
    )
    if verdict is not Verdict.CORRECT:
        keep_writes()
    return verdict
