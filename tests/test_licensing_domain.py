"""The licensing domain: eligibility, validation, decisions once, keys and licences."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from licenses.eligibility import EligibilityPolicy, assess, domain_of
from licenses.keys import (
    FEED_KEY_PREFIX,
    FeedKeyError,
    authenticate_feed_key,
    revoke_feed_key,
    rotate_feed_key,
)
from licenses.licences import (
    LicenseConflict,
    covers,
    ending_soon,
    expire_due,
    is_in_force,
    renew_licence,
    revoke_licence,
    suspend_licence,
)
from licenses.membership import PublisherChoice
from licenses.models import (
    FeedKey,
    License,
    LicenseKind,
    LicenseRequest,
    LicenseStatus,
    Publisher,
    RequestStatus,
)
from licenses.notifications import SiteInfo
from licenses.requests import (
    DecisionConflict,
    LicenceChoice,
    RequestInvalid,
    approve_request,
    reject_request,
    submit_request,
    validate_request,
    withdraw_request,
)
from syndicate.accounts.models import User
from syndicate.audit import AuditEvent
from syndicate.database import Database
from syndicate.orm import utcnow
from syndicate.outbox.models import OutboxMessage
from tests.factories import make_article, make_section

SITE = SiteInfo("The Lantern Desk", "http://desk.test", "licensing@desk.test", "desk@desk.test")
POLICY = EligibilityPolicy(min_monthly_audience=10_000, blocked_domains=("spam.example",))


def application(**overrides) -> dict:
    data = {
        "organization": "Harbor Gazette",
        "website": "https://www.harborgazette.example",
        "contact_name": "Nadia Ferrow",
        "contact_email": "nadia@harborgazette.example",
        "outlet_type": "newspaper",
        "monthly_audience": 120_000,
        "scope": {"kind": "all"},
        "intended_use": "Weekend print edition and website.",
        "message": "",
    }
    data.update(overrides)
    return data


def test_domain_of() -> None:
    assert domain_of("https://www.Example.org/path") == "example.org"
    assert domain_of("news.example.org") == "news.example.org"


def test_assessment_gives_a_reason_for_every_rule() -> None:
    good = assess(
        POLICY, monthly_audience=50_000, outlet_type="newspaper", website="https://a.example"
    )
    assert good.eligible
    assert len(good.reasons) == 3
    bad = assess(
        POLICY, monthly_audience=500, outlet_type="blog", website="https://news.spam.example"
    )
    assert not bad.eligible
    text = " ".join(bad.reasons)
    assert "500 is below the minimum of 10,000" in text
    assert "not accepted" in text
    assert "blocked" in text


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"organization": ""}, "organization"),
        ({"organization": "x" * 201}, "organization"),
        ({"organization": 12}, "organization"),
        ({"website": "not a site"}, "website"),
        ({"contact_email": "nobody"}, "contact_email"),
        ({"outlet_type": "pamphlet"}, "outlet_type"),
        ({"monthly_audience": -5}, "monthly_audience"),
        ({"monthly_audience": 10**13}, "monthly_audience"),
        ({"monthly_audience": "lots"}, "monthly_audience"),
        ({"monthly_audience": True}, "monthly_audience"),
        ({"monthly_audience": 12.5}, "monthly_audience"),
        ({"scope": {"kind": "everything"}}, "scope.kind"),
        ({"scope": "all"}, "scope"),
        ({"scope": {"kind": "sections", "sections": []}}, "scope.sections"),
        ({"scope": {"kind": "sections", "sections": ["no-such-section"]}}, "scope.sections"),
        ({"scope": {"kind": "article", "article": "no-such-story"}}, "scope.article"),
        ({"message": "m" * 5001}, "message"),
    ],
)
def test_bad_applications_name_the_field(session, overrides, field) -> None:
    with pytest.raises(RequestInvalid) as info:
        validate_request(session, application(**overrides))
    assert field in info.value.fields


def test_several_problems_are_reported_together(session) -> None:
    with pytest.raises(RequestInvalid) as info:
        validate_request(session, {"monthly_audience": -1})
    assert {
        "organization",
        "website",
        "contact_name",
        "contact_email",
        "outlet_type",
        "monthly_audience",
    } <= set(info.value.fields)


def test_scope_by_section_and_article(session) -> None:
    section = make_section(session, slug="environment")
    article = make_article(session, section=section, slug="lake-levels")
    draft = make_article(session, section=section, slug="unfinished", publish=False)
    valid = validate_request(
        session, application(scope={"kind": "sections", "sections": ["environment"]})
    )
    assert valid.scope_sections == ["environment"]
    valid = validate_request(
        session, application(scope={"kind": "article", "article": "lake-levels"})
    )
    assert valid.scope_article_id == article.id
    with pytest.raises(RequestInvalid):
        validate_request(session, application(scope={"kind": "article", "article": draft.slug}))


def _outbox(session, topic: str) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.topic == topic)))


def test_submit_stores_assessment_and_queues_mail(session) -> None:
    request = submit_request(session, application(monthly_audience=900), policy=POLICY, site=SITE)
    assert request.status is RequestStatus.SUBMITTED
    assert not request.eligible
    assert any("below the minimum" in r for r in request.eligibility_reasons)
    assert request.domain == "harborgazette.example"
    [confirmation] = _outbox(session, "license_request.received")
    assert confirmation.recipient == "nadia@harborgazette.example"
    [notice] = _outbox(session, "license_request.staff_notice")
    assert notice.recipient == SITE.staff_email
    assert f"#{request.id}" in notice.subject


def test_approve_once_creates_everything(session) -> None:
    request = submit_request(session, application(), policy=POLICY, site=SITE)
    approval = approve_request(
        session, request.id, actor_id=None, site=SITE, invite=lambda u: f"http://desk.test/i/{u.id}"
    )
    assert approval.feed_key.startswith(FEED_KEY_PREFIX)
    assert len(approval.feed_key) - len(FEED_KEY_PREFIX) >= 43
    assert approval.license.kind is LicenseKind.STANDARD
    assert approval.license.terms.version
    assert approval.publisher.domain == "harborgazette.example"
    assert approval.invited_user.email == "nadia@harborgazette.example"
    assert approval.invited_user.password_hash is None
    [mail] = _outbox(session, "license_request.approved")
    assert f"http://desk.test/i/{approval.invited_user.id}" in mail.body
    assert approval.feed_key not in mail.body
    with pytest.raises(DecisionConflict):
        approve_request(session, request.id, actor_id=None, site=SITE)
    with pytest.raises(DecisionConflict):
        reject_request(session, request.id, reason="late", actor_id=None, site=SITE)
    assert session.scalar(select(func.count()).select_from(License)) == 1
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {
        "license_request.submit",
        "license_request.approve",
        "license.create",
        "feed_key.create",
    } <= actions


def test_second_request_from_same_domain_waits_for_an_explicit_publisher(session) -> None:
    first = submit_request(session, application(), policy=POLICY, site=SITE)
    existing = approve_request(session, first.id, actor_id=None, site=SITE).publisher
    second = submit_request(
        session, application(contact_email="other@harborgazette.example"), policy=POLICY, site=SITE
    )
    with pytest.raises(RequestInvalid) as info:
        approve_request(session, second.id, actor_id=None, site=SITE)
    assert existing.slug in info.value.fields["publisher"]
    assert session.get(LicenseRequest, second.id).status is RequestStatus.SUBMITTED
    approval = approve_request(
        session,
        second.id,
        actor_id=None,
        site=SITE,
        publisher_choice=PublisherChoice(publisher_id=existing.id),
    )
    assert session.scalar(select(func.count()).select_from(Publisher)) == 1
    assert len(approval.publisher.licenses) == 2
    # Separate licences: the new one does not change the first one's scope.
    assert [lic.status for lic in approval.publisher.licenses] == [
        LicenseStatus.ACTIVE,
        LicenseStatus.SUSPENDED,
    ]
    assert approval.feed_key is None
    assert approval.invited_user is None


def test_custom_licence_choices_are_checked(session) -> None:
    request = submit_request(session, application(), policy=POLICY, site=SITE)
    with pytest.raises(RequestInvalid) as info:
        approve_request(
            session,
            request.id,
            actor_id=None,
            site=SITE,
            choice=LicenceChoice(
                kind=LicenseKind.CUSTOM, fee_amount=Decimal("250"), fee_currency="dollars"
            ),
        )
    assert "fee_currency" in info.value.fields
    assert session.get(LicenseRequest, request.id).status is RequestStatus.SUBMITTED
    approval = approve_request(
        session,
        request.id,
        actor_id=None,
        site=SITE,
        choice=LicenceChoice(
            kind=LicenseKind.CUSTOM,
            fee_amount=Decimal("250.00"),
            fee_currency="EUR",
            territory="Benelux",
            embargo_entitled=True,
        ),
    )
    assert approval.license.fee_amount == Decimal("250.00")
    assert approval.license.embargo_entitled


def test_reject_needs_a_reason(session) -> None:
    request = submit_request(session, application(), policy=POLICY, site=SITE)
    with pytest.raises(RequestInvalid):
        reject_request(session, request.id, reason="  ", actor_id=None, site=SITE)
    reject_request(
        session, request.id, reason="Audience figures unverified.", actor_id=None, site=SITE
    )
    [mail] = _outbox(session, "license_request.rejected")
    assert "Audience figures unverified." in mail.body
    with pytest.raises(DecisionConflict):
        withdraw_request(session, request.id, actor_id=None)


def test_auto_approval_for_eligible_requests(session) -> None:
    policy = EligibilityPolicy(auto_approve=True)
    eligible = submit_request(session, application(), policy=policy, site=SITE)
    assert eligible.status is RequestStatus.APPROVED
    assert eligible.license is not None
    assert session.scalar(select(func.count()).select_from(FeedKey)) == 0
    small = submit_request(
        session,
        application(website="https://small.example", monthly_audience=10),
        policy=policy,
        site=SITE,
    )
    assert small.status is RequestStatus.SUBMITTED


def test_feed_keys(session) -> None:
    request = submit_request(session, application(), policy=POLICY, site=SITE)
    approval = approve_request(session, request.id, actor_id=None, site=SITE)
    key, secret = approval.key, approval.feed_key
    stored = session.scalar(select(FeedKey).where(FeedKey.id == key.id))
    assert secret not in (stored.digest, stored.prefix)
    assert authenticate_feed_key(session, secret) is key
    assert key.last_used_at is not None
    assert authenticate_feed_key(session, secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert authenticate_feed_key(session, "synd_api_whatever") is None
    new_key, new_secret = rotate_feed_key(session, key, actor_id=None)
    assert authenticate_feed_key(session, secret) is None
    assert authenticate_feed_key(session, new_secret) is new_key
    assert key.replaced_by_id == new_key.id
    with pytest.raises(FeedKeyError):
        rotate_feed_key(session, key, actor_id=None)
    revoke_feed_key(session, new_key, actor_id=None)
    assert authenticate_feed_key(session, new_secret) is None


def test_licence_lifecycle(session) -> None:
    section = make_section(session, slug="justice")
    article = make_article(session, section=section)
    request = submit_request(
        session,
        application(scope={"kind": "sections", "sections": ["justice"]}),
        policy=POLICY,
        site=SITE,
    )
    licence = approve_request(session, request.id, actor_id=None, site=SITE).license
    now = utcnow()
    assert covers(licence, article_id=article.id, section_slug="justice")
    assert not covers(licence, article_id=article.id, section_slug="health")
    assert is_in_force(licence, now)
    suspend_licence(session, licence, reason="Unpaid invoice", actor_id=None)
    assert not is_in_force(licence, now)
    with pytest.raises(LicenseConflict):
        suspend_licence(session, licence, reason="again", actor_id=None)
    revoke_licence(session, licence, reason="Terms breached", actor_id=None)
    assert licence.status is LicenseStatus.REVOKED
    with pytest.raises(LicenseConflict):
        renew_licence(session, licence, ends_at=None, actor_id=None)


def test_expiry_and_ending_soon(session) -> None:
    request = submit_request(session, application(), policy=POLICY, site=SITE)
    licence = approve_request(
        session,
        request.id,
        actor_id=None,
        site=SITE,
        choice=LicenceChoice(ends_at=utcnow() + timedelta(days=3)),
    ).license
    assert licence in ending_soon(session, timedelta(days=7))
    assert licence not in ending_soon(session, timedelta(days=1))
    assert expire_due(session, now=utcnow() + timedelta(days=4)) == 1
    assert licence.status is LicenseStatus.EXPIRED
    renew_licence(session, licence, ends_at=utcnow() + timedelta(days=30), actor_id=None)
    assert licence.status is LicenseStatus.ACTIVE


def test_concurrent_approvals_create_one_licence(db) -> None:
    """16 threads, each with its own connection, approve the same request at once."""
    database = (
        Database(db.url, pool_size=20, max_overflow=0)
        if db.dialect != "sqlite"
        else (Database(db.url))
    )
    with database.transaction() as setup:
        request_id = submit_request(
            setup,
            application(website="https://race.example", contact_email="race@race.example"),
            policy=POLICY,
            site=SITE,
        ).id
    barrier = threading.Barrier(16)
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve() -> None:
        barrier.wait()
        try:
            with database.transaction() as s:
                approve_request(s, request_id, actor_id=None, site=SITE)
            result = "ok"
        except DecisionConflict:
            result = "conflict"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=approve) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert sorted(outcomes) == ["conflict"] * 15 + ["ok"]
        with database.transaction() as check:
            licences = check.scalars(select(License).where(License.request_id == request_id)).all()
            assert len(licences) == 1
    finally:
        with database.transaction() as cleanup:
            licence_ids = list(
                cleanup.scalars(select(License.id).where(License.request_id == request_id))
            )
            publisher_ids = list(
                cleanup.scalars(select(Publisher.id).where(Publisher.domain == "race.example"))
            )
            cleanup.execute(delete(OutboxMessage))
            cleanup.execute(delete(AuditEvent))
            cleanup.execute(delete(FeedKey).where(FeedKey.publisher_id.in_(publisher_ids)))
            cleanup.execute(delete(License).where(License.id.in_(licence_ids)))
            cleanup.execute(delete(LicenseRequest).where(LicenseRequest.id == request_id))
            cleanup.execute(delete(User).where(User.publisher_id.in_(publisher_ids)))
            cleanup.execute(delete(Publisher).where(Publisher.id.in_(publisher_ids)))
        database.dispose()


@pytest.mark.parametrize("audience", ["9" * 5000, "١٢٣", 1e300, float("nan"), float("inf")])
def test_absurd_audiences_are_refused_not_crashing(session, audience) -> None:
    with pytest.raises(RequestInvalid) as info:
        validate_request(session, application(monthly_audience=audience))
    assert "monthly_audience" in info.value.fields


def test_coverage_is_what_is_in_force_and_says_when_it_next_changes(session) -> None:
    from licenses.coverage import publisher_coverage
    from licenses.models import LicenseStatus, ScopeKind
    from tests.factories import make_licence, make_publisher

    now = utcnow()
    publisher = make_publisher(session)
    make_licence(
        session,
        publisher,
        scope_kind=ScopeKind.SECTIONS,
        scope_sections=["rivers"],
        starts_at=now - timedelta(days=3),
        ends_at=now + timedelta(days=5),
    )
    make_licence(session, publisher, starts_at=now + timedelta(days=2))
    make_licence(
        session, publisher, starts_at=now + timedelta(days=1), status=LicenseStatus.SUSPENDED
    )
    make_licence(session, publisher, starts_at=now - timedelta(days=9), ends_at=now)
    coverage = publisher_coverage(session, publisher.id, now)
    assert not coverage.everything
    assert coverage.section_slugs == {"rivers"}
    # The licence to come starts first; suspended and ended ones change nothing.
    assert coverage.next_change == now + timedelta(days=2)
    later = publisher_coverage(session, publisher.id, now + timedelta(days=2))
    assert later.everything
    assert later.next_change == now + timedelta(days=5)
    assert publisher_coverage(session, publisher.id, now + timedelta(days=6)).next_change is None
