"""The API's bodies as pydantic models: what each operation accepts and what it answers.

The models validate input (types, lengths, enumerations, unknown fields), shape output and
are the source of the OpenAPI document (:mod:`syndicate.api.contract`). Their limits are the
domain's own constants, so the document, the API and the services cannot drift apart.
The hostile-input policy (control characters, line breaks, integers beyond a column) runs
before any model, on the raw body (:func:`syndicate.api.jsonio.read_body`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from licenses import keys as key_rules
from licenses import requests as request_rules
from licenses.eligibility import OUTLET_TYPES
from licenses.models import (
    LicenseKind,
    LicenseStatus,
    MembershipStatus,
    PublisherStatus,
    RequestStatus,
    ScopeKind,
)
from syndicate.api.jsonio import iso
from syndicate.comments.models import CommentStatus
from syndicate.content import images as image_rules
from syndicate.content import services as content_rules
from syndicate.content.models import (
    ArticleStatus,
    Author,
    BodyFormat,
    ImageRole,
    Section,
    SyndicationPolicy,
)
from syndicate.content.models import Image as ImageRow
from syndicate.content.rights import RightsClass
from syndicate.newswire import webhooks as webhook_rules
from syndicate.newswire.forms import WEBHOOK_SECRET_MIN
from syndicate.newswire.models import NoticeKind
from syndicate.newswire.web import DAY_CHOICES
from syndicate.web.inputs import INT32, INT64, parse_int

TIME_HINT = "Give an ISO 8601 time with a zone, e.g. 2026-05-01T09:00:00Z."


def _aware_time(raw: Any) -> datetime:
    """An ISO 8601 time with a zone (``Z`` or an offset), as aware UTC."""
    if not isinstance(raw, str):
        raise ValueError(TIME_HINT)
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ValueError(TIME_HINT) from exc
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("The time needs a zone (Z or an offset such as +02:00).")
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # year 1 with a positive offset, year 9999 with a negative
        raise ValueError(TIME_HINT) from exc


DATE_TIME = {"type": "string", "format": "date-time"}
# Input: a zoned ISO 8601 string, read as aware UTC.
AwareTime = Annotated[datetime, BeforeValidator(_aware_time), WithJsonSchema(DATE_TIME)]
# Output: always UTC with ``Z``.
Time = Annotated[
    datetime, PlainSerializer(iso, return_type=str, when_used="json"), WithJsonSchema(DATE_TIME)
]


Id = Annotated[StrictInt, Field(ge=1, le=INT32[1])]
BigCount = Annotated[StrictInt, Field(ge=0, le=INT64[1])]


def _digits(raw: Any) -> Any:
    """A query-string integer: ASCII digits only (``²`` and ``٣`` are not numbers here)."""
    if isinstance(raw, str):
        value = parse_int(raw, *INT64)
        if value is None:
            raise ValueError("Give a whole number in ordinary digits (0 to 9).")
        return value
    return raw


QueryInt = Annotated[int, BeforeValidator(_digits)]


def _query_bool(raw: Any) -> Any:
    if isinstance(raw, str):
        lowered = raw.lower()
        if lowered in {"true", "1", "yes"}:
            return True
        if lowered in {"false", "0", "no"}:
            return False
        raise ValueError("Use true or false.")
    return raw


QueryBool = Annotated[bool, BeforeValidator(_query_bool)]
MAX_PER_PAGE = 100
MAX_PAGE = 100_000


class Body(BaseModel):
    """A request body: unknown fields are refused (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Shape(BaseModel):
    """A response body."""

    model_config = ConfigDict(extra="forbid")


class Query(BaseModel):
    """Query parameters: unknown ones are refused, as unknown body fields are."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoQuery(Query):
    """An operation that takes no query parameters."""


# --- errors ---------------------------------------------------------------------------


class ErrorDetail(Shape):
    """What went wrong."""

    code: str = Field(examples=["invalid"])
    message: str
    fields: dict[str, str] = Field(
        default_factory=dict,
        description="Each offending field (dotted for nested ones) and what is wrong with it.",
    )


class Error(Shape):
    """Every refusal: ``{"error": {"code", "message", "fields"}}``."""

    error: ErrorDetail


# --- paging ---------------------------------------------------------------------------


class PageQuery(Query):
    """``page`` from 1; ``per_page`` from 1 to 100 (default: the site's page size)."""

    page: QueryInt = Field(default=1, ge=1, le=MAX_PAGE, description="Page number, from 1.")
    per_page: QueryInt | None = Field(
        default=None,
        ge=1,
        le=MAX_PER_PAGE,
        description="Items per page (default: the site's page size).",
    )


Item = TypeVar("Item", bound=BaseModel)


class Page(Shape, Generic[Item]):
    """A page of results with its position."""

    items: list[Item]
    page: int
    per_page: int
    total: int
    pages: int


# --- licensing requests ---------------------------------------------------------------


class ScopeInput(Body):
    """``all``; ``sections`` with their slugs; or one published ``article`` by slug."""

    kind: ScopeKind
    sections: list[Annotated[StrictStr, Field(min_length=1, max_length=80)]] | None = Field(
        default=None, max_length=50, description="Section slugs."
    )
    article: StrictStr | None = Field(
        max_length=160, default=None, description="A published story's slug."
    )


class Scope(Shape):
    """What a request or licence covers."""

    kind: ScopeKind
    sections: list[str] | None = Field(default=None, description="Section slugs.")
    article: str | None = Field(default=None, description="A published story's slug.")


def _outlet_type(value: str) -> str:
    if value not in OUTLET_TYPES:
        raise ValueError("Choose one of: " + ", ".join(OUTLET_TYPES))
    return value


OutletType = Annotated[
    StrictStr,
    AfterValidator(_outlet_type),
    WithJsonSchema({"type": "string", "enum": list(OUTLET_TYPES)}),
]
LIMITS = request_rules.TEXT_LIMITS


class LicenseRequestInput(Body):
    """An application for a licence."""

    organization: StrictStr = Field(max_length=LIMITS["organization"])
    website: StrictStr = Field(max_length=LIMITS["website"])
    contact_name: StrictStr = Field(max_length=LIMITS["contact_name"])
    contact_email: Annotated[
        StrictStr, Field(max_length=LIMITS["contact_email"], json_schema_extra={"format": "email"})
    ]
    outlet_type: OutletType
    monthly_audience: Annotated[StrictInt, Field(ge=0, le=request_rules.MAX_AUDIENCE)]
    scope: ScopeInput | None = None
    intended_use: StrictStr = Field("", max_length=LIMITS["intended_use"])
    message: StrictStr = Field("", max_length=LIMITS["message"])


class Eligibility(Shape):
    """The assessment against the eligibility policy."""

    eligible: bool
    reasons: list[str]


class Named(Shape):
    """A slug and a name."""

    slug: str
    name: str


class LicenseRequest(Shape):
    """A licensing request with its assessment and decision."""

    id: int
    status: RequestStatus
    eligibility: Eligibility
    organization: str
    website: str
    contact_name: str
    contact_email: str
    outlet_type: str
    monthly_audience: int
    scope: Scope
    intended_use: str
    message: str
    publisher: str | None
    membership: MembershipStatus | None = Field(
        description="Set when the request went to an existing publisher: whether its portal "
        "users confirmed the contact as a member (`pending` until then: the contact has no "
        "access and the licence is suspended), or staff overrode that."
    )
    matching_publishers: list[Named] | None = Field(
        default=None,
        description="Staff only: existing publishers the request seems to come from (same or "
        "related domain, or the same name). Approving such a request needs an explicit "
        "`publisher`.",
    )
    license_id: int | None
    decided_at: Time | None
    decision_reason: str
    created_at: Time | None


def _fee(raw: Any) -> Decimal | None:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str, type(None))):
        raise ValueError("Give the fee as a number, e.g. 250.00.")
    try:
        return request_rules.parse_fee(raw)
    except ValueError as exc:
        if str(exc) == "too large":
            raise ValueError("The fee is too large.") from exc
        raise ValueError("Give the fee as a number, e.g. 250.00.") from exc


Fee = Annotated[
    Decimal | None,
    BeforeValidator(_fee),
    WithJsonSchema({"type": ["string", "number", "null"], "description": "e.g. 250.00"}),
]
DECISION = request_rules.DECISION_LIMITS


class ApprovalInput(Body):
    """Every field is optional for a request that matches no existing publisher: an empty
    body grants the standard licence for the scope asked to a new publisher; ``scope``
    grants another one instead. A request that matches an existing publisher (see
    ``matching_publishers``) needs ``publisher``. A scope that covers nothing partners may
    receive (one story marked ``do_not_syndicate``, or no longer published) is refused."""

    kind: LicenseKind = LicenseKind.STANDARD
    scope: ScopeInput | None = None
    fee_amount: Fee = None
    fee_currency: Annotated[
        StrictStr, Field(max_length=DECISION["fee_currency"], pattern="^([A-Za-z]{3})?$")
    ] = ""
    territory: StrictStr = Field("", max_length=DECISION["territory"])
    term_note: StrictStr = Field("", max_length=DECISION["term_note"])
    embargo_entitled: StrictBool = False
    starts_at: AwareTime | None = None
    ends_at: AwareTime | None = None
    note: StrictStr = Field("", max_length=DECISION["note"])
    publisher: StrictStr | None = Field(
        max_length=request_rules.PUBLISHER_SLUG_LIMIT,
        min_length=1,
        default=None,
        description="`new` creates a new publisher; the slug of an existing publisher adds "
        "the licence to it, held (suspended) until one of its portal users confirms the "
        "applicant's contact as a member; no feed key is issued then. Required when the "
        "request matches an existing publisher.",
    )
    membership_override_reason: StrictStr = Field(
        max_length=request_rules.REASON_LIMIT,
        default="",
        description="With an existing `publisher`: add the contact at once, without the "
        "publisher's confirmation (a staff override, audited with this reason).",
    )


class RejectionInput(Body):
    """The reason the applicant will read."""

    reason: StrictStr = Field(max_length=request_rules.REASON_LIMIT, min_length=1)


class Publisher(Shape):
    """A partner publisher."""

    id: int
    slug: str
    name: str
    website: str
    outlet_type: str
    status: PublisherStatus


class License(Shape):
    """A licence and its terms."""

    id: int
    publisher: str
    request_id: int | None
    kind: LicenseKind
    status: LicenseStatus
    status_reason: str
    scope: Scope
    fee_amount: str | None
    fee_currency: str | None
    territory: str
    term_note: str
    terms_version: str
    terms_accepted_at: Time | None = Field(
        description="When the terms were accepted: the moment of the application for a "
        "licence granted on one (submitting a request accepts the terms shown with it), or "
        "null when no acceptance is on record."
    )
    embargo_entitled: bool
    starts_at: Time | None
    ends_at: Time | None
    created_at: Time | None


class Approval(Shape):
    """An approval's results."""

    request: LicenseRequest
    license: License
    publisher: Publisher
    feed_key: str | None = Field(
        description="The publisher's first feed key, shown only in this answer."
    )
    feed_key_id: int | None


class RevokeInput(Body):
    """Why the licence ends."""

    reason: StrictStr = Field("", max_length=request_rules.REASON_LIMIT)


class LicenseQuery(PageQuery):
    """Licences by publisher (staff) and status."""

    publisher: StrictStr | None = Field(
        max_length=request_rules.PUBLISHER_SLUG_LIMIT,
        default=None,
        description="Staff: a publisher's slug.",
    )
    status: LicenseStatus | None = Field(default=None, description="Only licences in this status.")


class LicenseRequestQuery(PageQuery):
    """Requests by status and eligibility."""

    status: RequestStatus | None = Field(default=None, description="Only requests in this status.")
    eligible: QueryBool | None = Field(default=None, description="Only (in)eligible requests.")


# --- feed keys ------------------------------------------------------------------------


class FeedKey(Shape):
    """A feed key's public facts: its prefix, never the secret or its digest."""

    id: int
    publisher: str
    label: str
    prefix: str = Field(description="The key's first characters.")
    active: bool
    created_at: Time | None
    last_used_at: Time | None
    revoked_at: Time | None
    replaced_by_id: int | None


class FeedKeyWithSecret(FeedKey):
    """A new key, with its secret shown only in this answer."""

    feed_key: str = Field(description="The secret, shown only in this answer.")


class FeedKeyInput(Body):
    """A new key's label, and (staff) its publisher."""

    label: StrictStr = Field("", max_length=key_rules.LABEL_LIMIT)
    publisher: StrictStr = Field(
        max_length=request_rules.PUBLISHER_SLUG_LIMIT,
        default="",
        description="The publisher's slug: required for staff, optional (its own) for a partner.",
    )


class FeedKeyQuery(PageQuery):
    """Keys by publisher (staff)."""

    publisher: StrictStr | None = Field(
        max_length=request_rules.PUBLISHER_SLUG_LIMIT,
        default=None,
        description="Staff: a publisher's slug.",
    )


# --- images ---------------------------------------------------------------------------

IMAGE = image_rules.TEXT_LIMITS


class Rendition(Shape):
    """A resized copy."""

    width: int
    height: int
    url: str = Field(json_schema_extra={"format": "uri"})


class Image(Shape):
    """An image with its rights, credit and renditions."""

    id: int
    url: str = Field(json_schema_extra={"format": "uri"})
    media_type: str
    width: int
    height: int
    alt_text: str
    caption: str
    credit_line: str | None
    creator: str
    organization: str
    rights_class: RightsClass
    license_url: str | None
    source_url: str | None
    partner_permitted: bool = Field(description="Whether partners may receive the image now.")
    partner_allowed: bool
    partner_allowed_until: Time | None
    renditions: list[Rendition]


class ArticleImage(Image):
    """An image as placed in an article."""

    role: ImageRole
    caption: str = Field(description="The caption in this article.")


def _file_property(schema: dict[str, Any]) -> None:
    schema["properties"]["file"] = {
        "type": "string",
        "contentMediaType": "application/octet-stream",
        "description": "The image itself (JPEG, PNG or WebP).",
    }
    schema["required"] = ["file", *schema.get("required", [])]


class ImageUpload(Body):
    """A multipart upload: the ``file`` and its credit and rights."""

    model_config = ConfigDict(json_schema_extra=_file_property)

    alt_text: Annotated[str, Field(max_length=IMAGE["alt_text"])]
    caption: Annotated[str, Field(max_length=IMAGE["caption"])] = ""
    creator: Annotated[str, Field(max_length=IMAGE["creator"])] = ""
    organization: Annotated[str, Field(max_length=IMAGE["organization"])] = ""
    rights_class: RightsClass
    license_url: Annotated[str, Field(max_length=IMAGE["license_url"])] = ""
    source_url: Annotated[str, Field(max_length=IMAGE["source_url"])] = ""
    partner_allowed: Annotated[
        Literal["true", "false"],
        BeforeValidator(lambda raw: raw.strip().lower() if isinstance(raw, str) else raw),
    ] = "true"
    partner_allowed_until: Annotated[
        datetime | None,
        BeforeValidator(lambda raw: _aware_time(raw) if raw else None),
        WithJsonSchema(DATE_TIME),
    ] = None


# --- articles -------------------------------------------------------------------------

CONTENT = content_rules.LIMITS
Name = Annotated[
    StrictStr,
    AfterValidator(str.strip),
    Field(min_length=1, max_length=content_rules.NAME_LENGTH),
]


def _session(info: ValidationInfo) -> Session:
    """The database session the validation runs with (see :func:`contract.validate_input`)."""
    context = info.context or {}
    session: Session = context["session"]
    return session


def _known_section(slug: str, info: ValidationInfo) -> str:
    if _session(info).scalar(select(Section.id).where(Section.slug == slug.strip())) is None:
        raise ValueError(f"No section “{slug.strip()}”.")
    return slug


def _known_authors(slugs: list[str], info: ValidationInfo) -> list[str]:
    if not slugs:
        raise ValueError("Name at least one author (their slugs).")
    found = set(_session(info).scalars(select(Author.slug).where(Author.slug.in_(slugs))))
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise ValueError("Unknown author: " + ", ".join(missing[:5]))
    return slugs


def _known_image(image_id: int, info: ValidationInfo) -> int:
    if _session(info).get(ImageRow, image_id) is None:
        raise ValueError(f"No image #{image_id}.")
    return image_id


SectionSlug = Annotated[
    StrictStr, Field(max_length=CONTENT["slug"]), AfterValidator(_known_section)
]
AuthorSlugs = Annotated[
    list[Name], Field(max_length=content_rules.MAX_AUTHORS), AfterValidator(_known_authors)
]


class ImagePlacement(Body):
    """An image placed in an article."""

    image_id: Annotated[Id, AfterValidator(_known_image)]
    role: ImageRole = ImageRole.INLINE
    caption: StrictStr = Field(
        max_length=content_rules.CAPTION_LENGTH,
        default="",
        description="Overrides the image's own caption in this article.",
    )


def _one_each_one_lead(placements: list[ImagePlacement]) -> list[ImagePlacement]:
    ids = [p.image_id for p in placements]
    if len(set(ids)) != len(ids):
        raise ValueError("Each image may be placed once.")
    if sum(1 for p in placements if p.role is ImageRole.LEAD) > 1:
        raise ValueError("Only one image can be the lead.")
    return placements


class _ArticleFields(Body):
    slug: StrictStr | None = Field(
        max_length=CONTENT["slug"], default=None, description="Default: from the headline."
    )
    dek: StrictStr | None = Field(None, max_length=CONTENT["dek"])
    body: StrictStr | None = Field(
        max_length=CONTENT["body_source"], default=None, description="The source."
    )
    body_format: BodyFormat | None = None
    dateline: StrictStr | None = Field(None, max_length=CONTENT["dateline"])
    tags: list[Name] | None = Field(
        default=None, max_length=content_rules.MAX_TAGS, description="Tag names."
    )
    syndication: SyndicationPolicy | None = None
    comments_open: StrictBool | None = None
    images: Annotated[list[ImagePlacement], AfterValidator(_one_each_one_lead)] | None = Field(
        default=None,
        max_length=content_rules.MAX_IMAGES,
        description="The article's images, exactly and in order.",
    )


class ArticleInput(_ArticleFields):
    """A new article (a draft)."""

    headline: StrictStr = Field(max_length=CONTENT["headline"])
    section: SectionSlug = Field(description="The section's slug.")
    authors: AuthorSlugs = Field(description="Author slugs.")


class ArticlePatch(_ArticleFields):
    """Only the fields given change; ``images``, when given, replaces the article's images."""

    version: BigCount = Field(description="The version you edited.")
    headline: StrictStr | None = Field(None, max_length=CONTENT["headline"])
    section: SectionSlug | None = Field(default=None, description="The section's slug.")
    authors: AuthorSlugs | None = Field(default=None, description="Author slugs.")


class VersionInput(Body):
    """Optionally, the version the change is based on (409 when the article moved on)."""

    version: BigCount | None = None


class PublishInput(VersionInput):
    """Publish now, or schedule."""

    release_at: AwareTime | None = Field(
        default=None, description="A future time schedules the article."
    )


class Correction(Shape):
    """A correction note."""

    note: str
    created_at: Time | None


class Article(Shape):
    """An article as the caller may see it."""

    slug: str
    headline: str
    dek: str
    url: str = Field(json_schema_extra={"format": "uri"})
    dateline: str
    authors: list[Named]
    section: Named
    tags: list[Named]
    status: ArticleStatus
    released_at: Time | None
    updated_at: Time | None
    revision: int
    embargoed_until: Time | None = Field(
        description="Set while the story is under a partner embargo (entitled partners only): "
        "do not publish before this time. Null otherwise."
    )
    body_html: str
    corrections: list[Correction]
    images: list[ArticleImage] = Field(
        description="Partners receive only the images they may receive now."
    )
    version: int | None = Field(default=None, description="Staff only: for PATCH.")
    body: str | None = Field(default=None, description="Staff only: the source.")
    body_format: BodyFormat | None = None
    syndication: SyndicationPolicy | None = None
    comments_open: bool | None = None
    first_published_at: Time | None = None
    killed_at: Time | None = None


Format = Literal["json", "ninjs"]


class ArticleFormatQuery(Query):
    """The format of the answer."""

    format: Format | None = Field(
        default=None,
        description="`ninjs` answers IPTC ninjs 2.2 (as does `Accept: application/ninjs+json`); "
        "`json`, the default, wins over the header.",
    )


class NinjsDocument(Shape):
    """An IPTC ninjs 2.2 document (validated against the IPTC schema by the suite)."""

    model_config = ConfigDict(extra="allow")


class NinjsPage(Page[NinjsDocument]):
    """With ``format=ninjs``: the page envelope with ninjs documents as ``items``."""


class ArticleQuery(PageQuery):
    """Articles by section, and (staff) by status."""

    format: Format | None = Field(
        default=None,
        description="`ninjs`: the items are IPTC ninjs 2.2 documents (as with `Accept: "
        "application/ninjs+json`); `json`, the default, wins over the header.",
    )

    section: StrictStr | None = Field(
        max_length=CONTENT["slug"], default=None, description="A section's slug."
    )
    status: ArticleStatus | None = Field(
        default=None, description="Staff only (ignored for partners)."
    )


# --- the newswire: embargoes, corrections, kills, notices --------------------------------


class EmbargoInput(VersionInput):
    """The partner embargo of a scheduled story."""

    preview_at: AwareTime | None = Field(
        description="From when entitled partners receive the story, marked embargoed until "
        "its release; null lifts the embargo. Must come before the scheduled release."
    )


class CorrectionInput(VersionInput):
    """A dated correction note, appended to the story."""

    note: StrictStr = Field(min_length=1, max_length=content_rules.CORRECTION_LENGTH)


class KillInput(VersionInput):
    """Why the story is withdrawn: partners read it."""

    reason: StrictStr = Field(min_length=1, max_length=content_rules.KILL_REASON_LENGTH)


class NoticeOutcome(Shape):
    """A change to a story and the partners told about it."""

    article: Article
    notified: int = Field(description="How many partners were sent a notice.")


class Acknowledgement(Shape):
    """When the publisher acknowledged a notice."""

    acknowledged_at: Time | None
    by: str | None = Field(description="The e-mail address of the partner who acknowledged.")


class Notice(Shape):
    """One notice to one publisher about a correction or a kill, and its acknowledgement."""

    id: int
    kind: NoticeKind
    publisher: str = Field(description="The publisher's slug.")
    article: str = Field(description="The story's slug.")
    headline: str = Field(description="The headline when the notice was sent.")
    message: str
    revision: int
    created_at: Time | None
    acknowledgement: Acknowledgement | None = Field(description="Null until acknowledged.")


class NoticeQuery(PageQuery):
    """Notices by story, kind and acknowledgement; staff also by publisher."""

    article: StrictStr | None = Field(
        default=None, max_length=CONTENT["slug"], description="A story's slug."
    )
    publisher: StrictStr | None = Field(
        default=None,
        max_length=request_rules.PUBLISHER_SLUG_LIMIT,
        description="Staff: a publisher's slug.",
    )
    kind: NoticeKind | None = Field(default=None, description="Only corrections or kills.")
    acknowledged: QueryBool | None = Field(
        default=None, description="Only (un)acknowledged notices."
    )


# --- API tokens and comments --------------------------------------------------------------


class ApiToken(Shape):
    """A user's API token: its prefix and state, never the secret or its digest."""

    id: int
    user: str = Field(description="The e-mail address of the token's user.")
    label: str
    prefix: str = Field(description="The token's first characters.")
    state: Literal["active", "expired", "revoked"]
    created_at: Time | None
    last_used_at: Time | None
    expires_at: Time | None
    revoked_at: Time | None


class ApiTokenQuery(PageQuery):
    """Tokens by user (staff)."""

    user: StrictStr | None = Field(
        default=None, max_length=254, description="Staff: a user's e-mail address."
    )


class Comment(Shape):
    """A reader's comment as the moderators see it."""

    id: int
    article: str = Field(description="The story's slug.")
    parent_id: int | None = Field(description="The comment this one answers.")
    author_name: str
    body: str
    status: CommentStatus
    created_at: Time | None
    moderated_at: Time | None


class CommentQuery(PageQuery):
    """The moderation queue by status."""

    status: Literal["held", "approved", "spam"] = Field(
        default="held", description="Held comments (the default) oldest first; others newest first."
    )


class ModerationInput(Body):
    """What to do with a comment."""

    action: Literal["approve", "spam", "delete"] = Field(
        description="`approve` shows it (and the commenter's later comments at once); `spam` "
        "hides it and holds the commenter's next ones; `delete` removes it."
    )


# --- a partner's webhook and pickups ----------------------------------------------------


def _secret(value: str) -> str:
    if value and len(value.strip()) < WEBHOOK_SECRET_MIN:
        raise ValueError(f"At least {WEBHOOK_SECRET_MIN} characters, or none.")
    return value


WebhookSecret = Annotated[
    StrictStr,
    Field(max_length=webhook_rules.SECRET_LENGTH),
    AfterValidator(_secret),
    WithJsonSchema(
        {
            "type": "string",
            "anyOf": [
                {"maxLength": 0},
                {"minLength": WEBHOOK_SECRET_MIN, "maxLength": webhook_rules.SECRET_LENGTH},
            ],
        }
    ),
]


class WebhookInput(Body):
    """Where notices are POSTed, and the secret that signs them."""

    url: StrictStr = Field(
        min_length=1,
        max_length=webhook_rules.URL_LENGTH,
        description="An https:// address on your side (http:// only outside production).",
    )
    secret: WebhookSecret = Field(
        default="",
        description="Leave empty to keep the current secret, or to have one made the first "
        "time (shown once, in this answer).",
    )


class Webhook(Shape):
    """The publisher's webhook; the secret appears only in the answer that made it."""

    url: str
    created_at: Time | None
    updated_at: Time | None
    secret: str | None = Field(
        default=None, description="The secret made for you, shown only in this answer."
    )


class PickupsQuery(Query):
    """The period."""

    days: Annotated[int, BeforeValidator(_digits)] = Field(
        default=30,
        description="The last 7, 30, 90 or 365 days.",
        json_schema_extra={"enum": [7, 30, 90, 365]},
    )

    @field_validator("days")
    @classmethod
    def _offered(cls, value: int) -> int:
        if value not in DAY_CHOICES:
            raise ValueError("Choose 7, 30, 90 or 365.")
        return value


class PickupDay(Shape):
    """One day's pickups."""

    day: date
    views: int = Field(description="Views of the partner's copies (tracking image).")
    fetches: int = Field(description="Fetches of its partner feeds.")
    copies: int = Field(description="Stories copied from the partner desk.")


class StoryViews(Shape):
    """A story's views in the period."""

    slug: str
    headline: str
    views: int


class Pickups(Shape):
    """The publisher's pickups over a period."""

    days: int
    start: date
    end: date
    daily: list[PickupDay]
    top: list[StoryViews]


# --- pages and the document -----------------------------------------------------------


class ArticlePage(Page[Article]):
    """A page of articles."""


class LicenseRequestPage(Page[LicenseRequest]):
    """A page of licensing requests."""


class LicensePage(Page[License]):
    """A page of licences."""


class FeedKeyPage(Page[FeedKey]):
    """A page of feed keys."""


class NoticePage(Page[Notice]):
    """A page of notices."""


class ApiTokenPage(Page[ApiToken]):
    """A page of API tokens."""


class CommentPage(Page[Comment]):
    """A page of comments."""


class Document(Shape):
    """The OpenAPI 3.1 document."""

    model_config = ConfigDict(extra="allow")

    openapi: str
