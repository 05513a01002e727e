"""Load the demo content through the real domain code, idempotently.

Every object is looked up by its natural key (slug, e-mail address, or an image's alt
text and credit) and created only when missing, so a second run adds no row, no audit
event and no file. The caller commits.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from licenses.eligibility import EligibilityPolicy, domain_of
from licenses.models import License, LicenseRequest, Publisher, PublisherStatus
from licenses.notifications import SiteInfo
from licenses.requests import LicenceChoice, approve_request, submit_request
from syndicate import audit
from syndicate.accounts.models import Role, User
from syndicate.accounts.passwords import verify_password
from syndicate.accounts.services import create_user
from syndicate.config import instance_path
from syndicate.content.images import ImageRights, UploadLimits, ingest_image
from syndicate.content.licensing import terms_url
from syndicate.content.models import (
    Article,
    ArticleStatus,
    Author,
    Image,
    ImageRole,
    Section,
    SyndicationPolicy,
)
from syndicate.content.services import (
    ArticleFields,
    add_correction,
    attach_image,
    create_article,
    publish_article,
)
from syndicate.demo.content import (
    AUTHORS,
    EDITOR,
    IMAGES,
    MATCHING_REQUEST,
    PENDING_REQUEST,
    PUBLISHERS,
    SECTIONS,
    AccountData,
    ArticleData,
    ImageData,
    PublisherData,
)
from syndicate.demo.credentials import CredentialFile, new_password
from syndicate.demo.pictures import jpeg_bytes
from syndicate.demo.stories import ARTICLES
from syndicate.media import MediaStore
from syndicate.newswire.models import FeedFetch
from syndicate.orm import utcnow
from syndicate.syndication.models import PickupCopy, PickupView

Progress = Callable[[int, int, str], None]

# Drawing a picture takes a fraction of a second; keep the bytes for a second load in
# the same process (they are the same bytes every time anyway).
_picture_bytes = lru_cache(maxsize=None)(jpeg_bytes)

# The story whose page shows a public-domain handout beside a partner outlet's photo.
SHOWCASE_SLUG = "harlow-bend-weighs-moving-its-riverfront"

# Days of pickup views and feed fetches each partner gets, ending on the day of the load.
HISTORY_DAYS = 28
# Stories each partner has picked up in that time.
HISTORY_STORIES = 6


class DemoRefused(RuntimeError):
    """The demo must not be loaded into this installation."""


def upload_limits(config: Mapping[str, Any]) -> UploadLimits:
    """The upload limits configured for the site."""
    return UploadLimits(
        max_bytes=int(config["UPLOADS_MAX_BYTES"]),
        max_pixels=int(config["UPLOADS_MAX_PIXELS"]),
        rendition_widths=tuple(int(w) for w in config["UPLOADS_RENDITION_WIDTHS"]),
        jpeg_quality=int(config["UPLOADS_JPEG_QUALITY"]),
    )


class _Loader:
    """One run of the demo loader: what it found, what it created, what to print."""

    def __init__(
        self,
        session: Session,
        store: MediaStore,
        config: Mapping[str, Any],
        instance: Path,
        now: datetime,
    ) -> None:
        self.session = session
        self.store = store
        self.config = config
        self.now = now
        self.limits = upload_limits(config)
        self.min_password = int(config.get("PASSWORD_MIN_LENGTH", 12))
        self.credentials = CredentialFile(instance)
        self.created: Counter[str] = Counter()
        self.sections: dict[str, Section] = {}
        self.authors: dict[str, Author] = {}
        self.images: dict[str, Image] = {}
        # (role, e-mail, password or None when unknown, publisher name)
        self.accounts: list[tuple[str, str, str | None, str]] = []
        # (publisher name, feed key secret or None when not on file)
        self.feed_keys: list[tuple[str, str | None]] = []

    # People and outlets

    def ensure_sections(self) -> None:
        for position, data in enumerate(SECTIONS):
            section = self.session.scalar(select(Section).where(Section.slug == data.slug))
            if section is None:
                section = Section(
                    slug=data.slug,
                    name=data.name,
                    description=data.description,
                    position=position,
                )
                self.session.add(section)
                self.created["sections"] += 1
            self.sections[data.slug] = section
        self.session.flush()

    def ensure_authors(self) -> None:
        for data in AUTHORS:
            author = self.session.scalar(select(Author).where(Author.slug == data.slug))
            if author is None:
                author = Author(slug=data.slug, name=data.name, title=data.title, bio=data.bio)
                self.session.add(author)
                self.created["authors"] += 1
            self.authors[data.slug] = author
        self.session.flush()

    def ensure_user(self, account: AccountData, role: Role, publisher: Publisher | None) -> None:
        user = self.session.scalar(select(User).where(User.email == account.email))
        password = self.credentials.get(account.email)
        if user is None:
            if password is None or len(password) < self.min_password:
                password = new_password(self.min_password)
                self.credentials.set(account.email, password)
            create_user(
                self.session,
                email=account.email,
                role=role,
                password=password,
                name=account.name,
                publisher_slug=publisher.slug if publisher else None,
                min_password_length=self.min_password,
            )
            self.created["users"] += 1
        elif password is not None and not verify_password(user.password_hash, password):
            password = None  # changed since the demo set it: the file's copy is stale
        self.accounts.append(
            (role.value, account.email, password, publisher.name if publisher else "")
        )

    def ensure_publisher(self, data: PublisherData) -> None:
        publisher = self.session.scalar(select(Publisher).where(Publisher.slug == data.slug))
        if publisher is None:
            publisher = Publisher(
                slug=data.slug,
                name=data.name,
                website=data.website,
                outlet_type=data.outlet_type,
                monthly_audience=data.monthly_audience,
                contact_name=data.contact_name,
                contact_email=data.contact_email,
                domain=domain_of(data.website),
                status=PublisherStatus.ACTIVE,
            )
            self.session.add(publisher)
            self.session.flush()
            audit.record(
                self.session,
                actor_id=None,
                action="publisher.create",
                object_type="publisher",
                object_id=publisher.id,
                after={"slug": data.slug, "name": data.name, "status": "active"},
            )
            self.created["publishers"] += 1
        self.ensure_user(data.user, Role.PARTNER, publisher)

    # Pictures and stories

    def ensure_image(self, data: ImageData) -> None:
        image = self.session.scalar(
            select(Image)
            .where(
                Image.alt_text == data.alt_text,
                Image.creator == data.creator,
                Image.organization == data.organization,
            )
            .order_by(Image.id)
            .limit(1)
        )
        if image is None:
            rights = ImageRights(
                rights_class=data.rights_class,
                creator=data.creator,
                organization=data.organization,
                license_url=data.license_url,
                source_url=data.source_url,
                partner_allowed=data.partner_allowed,
                partner_allowed_until=self.now - data.lapsed if data.lapsed else None,
            )
            image = ingest_image(
                self.session,
                self.store,
                _picture_bytes(data.picture),
                rights,
                alt_text=data.alt_text,
                caption=data.caption,
                limits=self.limits,
                terms_url=terms_url(str(self.config.get("SITE_BASE_URL", ""))),
            )
            self.created["images"] += 1
        self.images[data.key] = image

    def ensure_article(self, data: ArticleData) -> None:
        if self.session.scalar(select(Article.id).where(Article.slug == data.slug)) is not None:
            return
        fields = ArticleFields(
            slug=data.slug,
            headline=data.headline,
            section_id=self.sections[data.section].id,
            dek=data.dek,
            body_source=data.body,
            dateline=data.dateline,
            author_ids=[self.authors[slug].id for slug in data.authors],
            tags=data.tags,
            syndication=(
                SyndicationPolicy.SYNDICATE
                if data.syndicate
                else SyndicationPolicy.DO_NOT_SYNDICATE
            ),
            comments_open=data.comments_open,
        )
        article = create_article(self.session, fields, actor_id=None)
        attach_image(
            self.session,
            article,
            self.images[data.lead.image],
            role=ImageRole.LEAD,
            caption_override=data.lead.caption,
            actor_id=None,
        )
        for placement in data.inline:
            attach_image(
                self.session,
                article,
                self.images[placement.image],
                role=ImageRole.INLINE,
                caption_override=placement.caption,
                actor_id=None,
            )
        if data.release is not None:
            release = (self.now + data.release).replace(second=0, microsecond=0)
            publish_article(self.session, article, release_at=release, actor_id=None, now=self.now)
        if data.correction:
            add_correction(self.session, article, data.correction, actor_id=None)
        self.created["articles"] += 1
        self.created[f"articles_{article.status.value}"] += 1

    # Reporting

    # Licences and requests

    def _site(self) -> SiteInfo:
        return SiteInfo(
            name=str(self.config.get("SITE_NAME", "")),
            base_url=str(self.config.get("SITE_BASE_URL", "")),
            licensing_email=str(self.config.get("SITE_LICENSING_EMAIL", "")),
            staff_email=str(
                self.config.get("MAIL_STAFF_NOTICES_TO")
                or self.config.get("SITE_LICENSING_EMAIL", "")
            ),
        )

    def ensure_licence(self, data: PublisherData) -> None:
        """Grant the outlet its licence through the real request-and-approval path."""
        publisher = self.session.scalar(select(Publisher).where(Publisher.slug == data.slug))
        assert publisher is not None
        key_name = f"feed-key:{data.slug}"
        if self.session.scalar(select(License.id).where(License.publisher_id == publisher.id)):
            self.feed_keys.append((data.name, self.credentials.get(key_name)))
            return
        scope: dict[str, object] = (
            {"kind": "sections", "sections": list(data.licence_sections)}
            if data.licence_sections
            else {"kind": "all"}
        )
        request = submit_request(
            self.session,
            {
                "organization": data.name,
                "website": data.website,
                "contact_name": data.contact_name,
                "contact_email": data.contact_email,
                "outlet_type": data.outlet_type,
                "monthly_audience": data.monthly_audience,
                "scope": scope,
                "intended_use": "Republishing on our website and in our newsletter.",
            },
            policy=EligibilityPolicy.from_config(self.config),
            site=self._site(),
        )
        request.publisher = publisher
        approval = approve_request(
            self.session,
            request.id,
            actor_id=None,
            choice=LicenceChoice(
                embargo_entitled=data.embargo_entitled, note="Demo licence.", starts_at=self.now
            ),
            site=self._site(),
        )
        if approval.feed_key:
            self.credentials.set(key_name, approval.feed_key)
        self.feed_keys.append((data.name, approval.feed_key))
        self.created["licences"] += 1

    def ensure_pickup_history(self, data: PublisherData) -> None:
        """Give the outlet a few weeks of feed fetches, tracked views of its copies and the
        copies it took from the story desk.

        The numbers come from a generator seeded with the outlet's slug, so every load draws
        the same ones; an outlet with any recorded activity is left as it is.
        """
        publisher = self.session.scalar(select(Publisher).where(Publisher.slug == data.slug))
        assert publisher is not None
        for model in (FeedFetch, PickupView):
            if self.session.scalar(
                select(model.id).where(model.publisher_id == publisher.id).limit(1)
            ):
                return
        rng = random.Random(f"demo-pickups:{data.slug}")  # noqa: S311 - invented numbers
        today = self.now.date()
        days = [today - timedelta(days=n) for n in range(HISTORY_DAYS - 1, -1, -1)]
        # A bigger audience reads more copies and polls the feed no more often.
        reach = max(1.0, data.monthly_audience / 40_000)
        for day in days:
            fetches = max(0, round(rng.gauss(96 if day.weekday() < 5 else 60, 8)))
            self.session.add(FeedFetch(publisher_id=publisher.id, day=day, count=fetches))
        query = select(Article).where(Article.status == ArticleStatus.PUBLISHED)
        if data.licence_sections:
            query = query.join(Section).where(Section.slug.in_(data.licence_sections))
        articles = list(self.session.scalars(query.order_by(Article.slug)))
        host = urlsplit(data.website).hostname or ""
        picked = []
        for article in rng.sample(articles, min(HISTORY_STORIES, len(articles))):
            first = rng.randrange(0, HISTORY_DAYS - 2)
            peak = rng.randint(40, 260) * reach
            picked.append((article.id, days[first]))
            for age, day in enumerate(days[first:]):
                weekday = 1 if day.weekday() < 5 else 0.6
                views = round(peak * 0.72**age * weekday + rng.random() * 3)
                if views:
                    self.session.add(
                        PickupView(
                            article_id=article.id,
                            publisher_id=publisher.id,
                            day=day,
                            referrer_host=host,
                            count=views,
                        )
                    )
        # Each story picked up was first copied from the story desk on the day views began.
        copies = random.Random(f"demo-copies:{data.slug}")  # noqa: S311 - invented numbers
        for article_id, day in picked:
            self.session.add(
                PickupCopy(
                    article_id=article_id,
                    publisher_id=publisher.id,
                    day=day,
                    format="html",
                    count=copies.randint(1, 3),
                )
            )
        self.created["histories"] += 1

    def ensure_pending_request(self) -> None:
        """Leave applications waiting in the staff queue: one from a small outlet, one that
        matches an existing partner."""
        for data in (PENDING_REQUEST, MATCHING_REQUEST):
            email = str(data["contact_email"])
            if self.session.scalar(
                select(LicenseRequest.id).where(LicenseRequest.contact_email == email)
            ):
                continue
            submit_request(
                self.session,
                data,
                policy=EligibilityPolicy.from_config(self.config),
                site=self._site(),
            )
            self.created["requests"] += 1

    def summary(self, base_url: str, site_name: str) -> list[str]:
        lines: list[str] = []
        if not self.created:
            lines.append(f"Demo content is already loaded for {site_name}; nothing was changed.")
        else:
            kinds = [
                (self.created["sections"], "section"),
                (self.created["authors"], "author"),
                (self.created["images"], "image"),
                (self.created["publishers"], "partner publisher"),
                (self.created["users"], "user"),
                (self.created["licences"], "licence"),
                (self.created["requests"], "pending licensing request"),
            ]
            parts = [f"{n} {label}{'s' if n != 1 else ''}" for n, label in kinds if n]
            if self.created["articles"]:
                states = ", ".join(
                    f"{self.created[f'articles_{s.value}']} {s.value}"
                    for s in ArticleStatus
                    if self.created[f"articles_{s.value}"]
                )
                parts.append(f"{self.created['articles']} articles ({states})")
            if self.created["histories"]:
                parts.append(f"{HISTORY_DAYS} days of pickups and feed fetches")
            lines.append(f"Loaded demo content for {site_name}: " + ", ".join(parts) + ".")
        lines.append(f"Site: {base_url}/")
        lines.append(
            f"A story with a public-domain handout and a partner's photo: "
            f"{base_url}/articles/{SHOWCASE_SLUG}"
        )
        lines.append(f"Sign in at {base_url}/login with:")
        width = max(len(email) for _, email, _, _ in self.accounts)
        for role, email, password, outlet in self.accounts:
            shown = password or "(changed since the demo set it; not on file)"
            suffix = f"  ({outlet})" if outlet else ""
            lines.append(f"  {role:<8} {email:<{width}}  {shown}{suffix}")
        for outlet, secret in self.feed_keys:
            if secret:
                lines.append(
                    f"  feed key of {outlet}: curl -H 'Authorization: Bearer {secret}' "
                    f"{base_url}/feeds/partner.rss"
                )
        lines.append(
            f"These passwords and keys are kept in {self.credentials.path} (readable by you only)."
        )
        return lines


def load_demo(
    session: Session,
    store: MediaStore,
    config: Mapping[str, Any],
    progress: Progress | None = None,
    *,
    instance: Path | None = None,
    force: bool = False,
    now: datetime | None = None,
) -> list[str]:
    """Load the demo content idempotently; returns lines to print.

    Refuses a production configuration unless ``force`` is given. ``instance`` is the
    folder that keeps the demo accounts' passwords (the configured instance folder by
    default). ``progress(step, total, label)`` is called as the work advances.
    """
    if config.get("ENV") == "production" and not force:
        raise DemoRefused(
            'This is a production configuration (ENV = "production"): the demo would add '
            "invented stories, people and accounts to the real site. Run "
            "`syndicate demo --force` only if you really want that."
        )
    loader = _Loader(session, store, config, instance or instance_path(), now or utcnow())
    steps: list[tuple[str, Callable[[], None]]] = [
        ("Sections", loader.ensure_sections),
        ("Authors", loader.ensure_authors),
        ("Editor account", partial(loader.ensure_user, EDITOR, Role.STAFF, None)),
    ]
    steps += [(f"Partner: {p.name}", partial(loader.ensure_publisher, p)) for p in PUBLISHERS]
    steps += [(f"Picture: {i.key}", partial(loader.ensure_image, i)) for i in IMAGES]
    steps += [(f"Story: {a.slug}", partial(loader.ensure_article, a)) for a in ARTICLES]
    steps += [(f"Licence: {p.name}", partial(loader.ensure_licence, p)) for p in PUBLISHERS]
    steps += [(f"Pickups: {p.name}", partial(loader.ensure_pickup_history, p)) for p in PUBLISHERS]
    steps.append(("Requests awaiting a decision", loader.ensure_pending_request))
    report = progress or (lambda _step, _total, _label: None)
    report(0, len(steps), "Checking what is already loaded")
    for number, (label, step) in enumerate(steps, start=1):
        step()
        report(number, len(steps), label)
    session.flush()
    loader.credentials.save()
    base_url = str(config.get("SITE_BASE_URL", "")).rstrip("/")
    return loader.summary(base_url, str(config.get("SITE_NAME", "the site")))
