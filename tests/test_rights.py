"""Credit lines and partner permission are derived, never typed twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from syndicate.content.rights import (
    RightsClass,
    composite_credit,
    creative_commons_name,
    credit_line,
    partner_permitted,
)
from syndicate.orm import utcnow


@pytest.mark.parametrize(
    ("rights", "creator", "org", "url", "expected"),
    [
        (
            RightsClass.STAFF,
            "Jane Photographer",
            "The Lantern Desk",
            "",
            "Jane Photographer/The Lantern Desk",
        ),
        (
            RightsClass.PUBLIC_DOMAIN,
            "",
            "U.S. Immigration and Customs Enforcement",
            "",
            "U.S. Immigration and Customs Enforcement/Public domain",
        ),
        (RightsClass.PUBLIC_DOMAIN, "A. Clerk", "", "", "A. Clerk/Public domain"),
        (
            RightsClass.PARTNER,
            "Jane Photographer",
            "Partner Outlet",
            "",
            "Jane Photographer/Partner Outlet",
        ),
        (RightsClass.HANDOUT, "", "Riverside Transit Authority", "", "Riverside Transit Authority"),
        (
            RightsClass.CREATIVE_COMMONS,
            "Ola Bird",
            "",
            "https://creativecommons.org/licenses/by-sa/4.0/",
            "Ola Bird (CC BY-SA 4.0)",
        ),
        (
            RightsClass.AGENCY,
            "  Marta Quill ",
            " Continental Wire ",
            "",
            "Marta Quill/Continental Wire",
        ),
    ],
)
def test_credit_line(rights, creator, org, url, expected) -> None:
    assert credit_line(rights, creator, org, url) == expected


def test_no_credit_without_creator_or_organisation() -> None:
    assert credit_line(RightsClass.STAFF, " ", "") is None


def test_creative_commons_names() -> None:
    assert creative_commons_name("https://creativecommons.org/licenses/by/4.0/") == "CC BY 4.0"
    assert creative_commons_name("https://creativecommons.org/publicdomain/zero/1.0/") == "CC0 1.0"
    assert creative_commons_name("https://example.org/licence") is None


def test_composite_names_each_source_once_in_order() -> None:
    line = composite_credit(
        ["ICE/Public domain", None, "Jane Photographer/Partner Outlet", "ICE/Public domain"]
    )
    assert line == "Images courtesy of ICE/Public domain and Jane Photographer/Partner Outlet"
    assert composite_credit(["A", "B", "C"]) == "Images courtesy of A, B and C"
    assert composite_credit(["A"]) == "Images courtesy of A"
    assert composite_credit([None, ""]) is None


def test_partner_permission() -> None:
    now = utcnow()
    assert partner_permitted(RightsClass.STAFF, True, None, now)
    assert not partner_permitted(RightsClass.AGENCY, True, None, now)
    assert not partner_permitted(RightsClass.PARTNER, False, None, now)
    assert partner_permitted(RightsClass.STAFF, True, now + timedelta(days=1), now)
    assert not partner_permitted(RightsClass.STAFF, True, now - timedelta(seconds=1), now)
    assert not partner_permitted(RightsClass.STAFF, True, now, now)
