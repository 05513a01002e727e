"""The eligibility policy for the standard free licence, evaluated when a request arrives."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

OUTLET_TYPES = {
    "newspaper": "Newspaper",
    "magazine": "Magazine",
    "online": "Online news site",
    "broadcaster": "Radio or TV broadcaster",
    "nonprofit": "Non-profit newsroom",
    "newsletter": "Newsletter",
    "blog": "Blog",
    "aggregator": "Aggregator",
    "other": "Other",
}


@dataclass(frozen=True)
class EligibilityPolicy:
    """Who qualifies for the standard free licence."""

    min_monthly_audience: int = 10_000
    accepted_outlet_types: Sequence[str] = (
        "newspaper",
        "magazine",
        "online",
        "broadcaster",
        "nonprofit",
        "newsletter",
    )
    blocked_domains: Sequence[str] = ()
    auto_approve: bool = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EligibilityPolicy:
        """Build the policy from the ``[eligibility]`` settings."""
        return cls(
            min_monthly_audience=int(config.get("ELIGIBILITY_MIN_MONTHLY_AUDIENCE", 10_000)),
            accepted_outlet_types=tuple(
                config.get("ELIGIBILITY_ACCEPTED_OUTLET_TYPES", cls.accepted_outlet_types)
            ),
            blocked_domains=tuple(
                d.lower().strip(".") for d in config.get("ELIGIBILITY_BLOCKED_DOMAINS", ())
            ),
            auto_approve=bool(config.get("ELIGIBILITY_AUTO_APPROVE", False)),
        )


@dataclass
class Assessment:
    """The outcome and every reason behind it, for staff and for the applicant."""

    eligible: bool
    reasons: list[str] = field(default_factory=list)


def domain_of(website: str) -> str:
    """The host name of a website address, lower-case, without ``www.``; "" if it has none."""
    try:
        parts = urlsplit(website if "//" in website else f"//{website}")
        host = (parts.hostname or "").lower()
    except ValueError:  # e.g. "[not-an-ip]" or a bad port: no usable host
        return ""
    return host.removeprefix("www.")


def _blocked(domain: str, blocked: Sequence[str]) -> str | None:
    for entry in blocked:
        if domain == entry or domain.endswith("." + entry):
            return entry
    return None


def assess(
    policy: EligibilityPolicy, *, monthly_audience: int, outlet_type: str, website: str
) -> Assessment:
    """Check a request against ``policy``; every rule gives a reason, met or not."""
    reasons: list[str] = []
    eligible = True
    if monthly_audience >= policy.min_monthly_audience:
        reasons.append(
            f"Monthly audience of {monthly_audience:,} meets the minimum of "
            f"{policy.min_monthly_audience:,}."
        )
    else:
        eligible = False
        reasons.append(
            f"Monthly audience of {monthly_audience:,} is below the minimum of "
            f"{policy.min_monthly_audience:,}."
        )
    label = OUTLET_TYPES.get(outlet_type, outlet_type)
    if outlet_type in policy.accepted_outlet_types:
        reasons.append(f"Outlet type “{label}” is accepted.")
    else:
        eligible = False
        reasons.append(f"Outlet type “{label}” is not accepted for the standard licence.")
    domain = domain_of(website)
    entry = _blocked(domain, policy.blocked_domains)
    if entry:
        eligible = False
        reasons.append(f"The domain {domain} is blocked ({entry}).")
    else:
        reasons.append(f"The domain {domain} is not on the blocked list.")
    return Assessment(eligible=eligible, reasons=reasons)
