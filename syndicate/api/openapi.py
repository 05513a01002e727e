"""The OpenAPI 3.1 description of the API, built as a plain dict and served as JSON.

A test checks that it is valid and that it describes exactly the registered routes.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from syndicate.api import permissions as perms
from syndicate.api.blueprint import bp
from syndicate.content.rights import RightsClass

JSON = "application/json"
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
OPTIONAL_BEARER: list[dict[str, list[str]]] = [{}, {"bearer": []}]


def ref(name: str) -> dict[str, str]:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def _error(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def _content(schema: dict[str, Any]) -> dict[str, Any]:
    return {JSON: {"schema": schema}}


def _ok(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description}
    if schema is not None:
        response["content"] = _content(schema)
    return response


def _path_param(name: str, kind: str = "integer") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


PAGING = [
    _query("page", {"type": "integer", "minimum": 1, "default": 1}, "Page number, from 1."),
    _query(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": 100},
        "Items per page (default: the site's page size).",
    ),
]


def op(
    summary: str,
    permission: str,
    *,
    tag: str,
    responses: dict[str, Any],
    security: list[dict[str, list[str]]] | None = None,
    parameters: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
    body_required: bool = False,
    media_type: str = JSON,
    description: str = "",
) -> dict[str, Any]:
    """One operation, with the error answers every operation can give."""
    # Credentials that are given but bad get 401 everywhere, even where none are needed.
    errors: dict[str, Any] = {"401": _error("Unauthenticated"), "429": _error("TooManyRequests")}
    if permission not in perms.ROLE_PERMISSIONS[perms.ANONYMOUS]:
        errors["403"] = _error("Forbidden")
    if body is not None:
        errors |= {
            "400": _error("Malformed"),
            "413": _error("TooLarge"),
            "415": _error("UnsupportedMediaType"),
            "422": _error("Invalid"),
        }
    operation: dict[str, Any] = {
        "tags": [tag],
        "summary": summary,
        "description": (description + f"\n\nPermission: `{permission}`.").strip(),
        "x-permission": permission,
        "security": BEARER if security is None else security,
        "responses": {**responses, **{k: v for k, v in errors.items() if k not in responses}},
    }
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {
            "required": body_required,
            "content": {media_type: {"schema": body}},
        }
    return operation


def _page_of(schema: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages"],
        "properties": {
            "items": {"type": "array", "items": ref(schema)},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "pages": {"type": "integer"},
        },
    }


TIME = {"type": ["string", "null"], "format": "date-time"}
TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": ["string", "null"]}


def schemas() -> dict[str, Any]:
    """The component schemas."""
    scope = {
        "type": "object",
        "required": ["kind"],
        "properties": {
            "kind": {"enum": ["all", "sections", "article"]},
            "sections": {"type": "array", "items": TEXT, "description": "Section slugs."},
            "article": {"type": ["string", "null"], "description": "A published story's slug."},
        },
    }
    rights_class = {"enum": [r.value for r in RightsClass]}
    image: dict[str, Any] = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "url": {"type": "string", "format": "uri"},
            "media_type": TEXT,
            "width": {"type": "integer"},
            "height": {"type": "integer"},
            "alt_text": TEXT,
            "caption": TEXT,
            "credit_line": NULLABLE_TEXT,
            "creator": TEXT,
            "organization": TEXT,
            "rights_class": rights_class,
            "license_url": NULLABLE_TEXT,
            "source_url": NULLABLE_TEXT,
            "partner_permitted": {
                "type": "boolean",
                "description": "Whether partners may receive the image now.",
            },
            "partner_allowed": {"type": "boolean"},
            "partner_allowed_until": TIME,
            "renditions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "width": {"type": "integer"},
                        "height": {"type": "integer"},
                        "url": {"type": "string", "format": "uri"},
                    },
                },
            },
        },
    }
    named = {
        "type": "object",
        "properties": {"slug": TEXT, "name": TEXT},
    }
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string", "examples": ["invalid"]},
                        "message": {"type": "string"},
                        "fields": {
                            "type": "object",
                            "additionalProperties": {"type": "string"},
                            "description": "Each offending field (dotted for nested ones) "
                            "and what is wrong with it.",
                        },
                    },
                }
            },
        },
        "Scope": scope,
        "Eligibility": {
            "type": "object",
            "required": ["eligible", "reasons"],
            "properties": {
                "eligible": {"type": "boolean"},
                "reasons": {"type": "array", "items": TEXT},
            },
        },
        "LicenseRequestInput": {
            "type": "object",
            "additionalProperties": False,
            "required": [
                "organization",
                "website",
                "contact_name",
                "contact_email",
                "outlet_type",
                "monthly_audience",
            ],
            "properties": {
                "organization": {"type": "string", "maxLength": 200},
                "website": {"type": "string", "maxLength": 300},
                "contact_name": {"type": "string", "maxLength": 160},
                "contact_email": {"type": "string", "format": "email", "maxLength": 254},
                "outlet_type": {
                    "enum": [
                        "newspaper",
                        "magazine",
                        "online",
                        "broadcaster",
                        "nonprofit",
                        "newsletter",
                        "blog",
                        "aggregator",
                        "other",
                    ]
                },
                "monthly_audience": {"type": "integer", "minimum": 0, "maximum": 10_000_000_000},
                "scope": ref("Scope"),
                "intended_use": {"type": "string", "maxLength": 2000},
                "message": {"type": "string", "maxLength": 5000},
            },
        },
        "LicenseRequest": {
            "type": "object",
            "required": ["id", "status", "eligibility"],
            "properties": {
                "id": {"type": "integer"},
                "status": {"enum": ["submitted", "approved", "rejected", "withdrawn"]},
                "eligibility": ref("Eligibility"),
                "organization": TEXT,
                "website": TEXT,
                "contact_name": TEXT,
                "contact_email": TEXT,
                "outlet_type": TEXT,
                "monthly_audience": {"type": "integer"},
                "scope": ref("Scope"),
                "intended_use": TEXT,
                "message": TEXT,
                "publisher": NULLABLE_TEXT,
                "membership": {
                    "enum": ["pending", "confirmed", "declined", "overridden", None],
                    "description": "Set when the request went to an existing publisher: "
                    "whether its portal users confirmed the contact as a member (`pending` "
                    "until then: the contact has no access and the licence is suspended), or "
                    "staff overrode that.",
                },
                "matching_publishers": {
                    "type": "array",
                    "description": "Staff only: existing publishers the request seems to "
                    "come from (same or related domain, or the same name). Approving such a "
                    "request needs an explicit `publisher`.",
                    "items": {
                        "type": "object",
                        "required": ["slug", "name"],
                        "properties": {"slug": TEXT, "name": TEXT},
                    },
                },
                "license_id": {"type": ["integer", "null"]},
                "decided_at": TIME,
                "decision_reason": TEXT,
                "created_at": TIME,
            },
        },
        "ApprovalInput": {
            "type": "object",
            "additionalProperties": False,
            "description": "Every field is optional for a request that matches no existing "
            "publisher: an empty body grants the standard licence for the scope asked to a new "
            "publisher; `scope` grants another one instead. A request that matches an existing "
            "publisher (see `matching_publishers`) needs `publisher`. A scope that covers "
            "nothing partners may receive (one story marked `do_not_syndicate`, or no longer "
            "published) is refused with 422.",
            "properties": {
                "kind": {"enum": ["standard", "custom"], "default": "standard"},
                "scope": ref("Scope"),
                "fee_amount": {"type": ["string", "number", "null"]},
                "fee_currency": {"type": "string", "pattern": "^[A-Za-z]{3}$"},
                "territory": {"type": "string", "maxLength": 200},
                "term_note": {"type": "string", "maxLength": 4000},
                "embargo_entitled": {"type": "boolean", "default": False},
                "starts_at": {"type": "string", "format": "date-time"},
                "ends_at": {"type": "string", "format": "date-time"},
                "note": {"type": "string", "maxLength": 2000},
                "publisher": {
                    "type": "string",
                    "maxLength": 80,
                    "description": "`new` creates a new publisher; the slug of an existing "
                    "publisher adds the licence to it, held (suspended) until one of its "
                    "portal users confirms the applicant's contact as a member; no feed key "
                    "is issued then. Required when the request matches an existing publisher.",
                },
                "membership_override_reason": {
                    "type": "string",
                    "maxLength": 2000,
                    "description": "With an existing `publisher`: add the contact at once, "
                    "without the publisher's confirmation (a staff override, audited with "
                    "this reason).",
                },
            },
        },
        "Approval": {
            "type": "object",
            "required": ["request", "license", "publisher", "feed_key", "feed_key_id"],
            "properties": {
                "request": ref("LicenseRequest"),
                "license": ref("License"),
                "publisher": ref("Publisher"),
                "feed_key": {
                    "type": ["string", "null"],
                    "description": "The publisher's first feed key, shown only in this answer.",
                },
                "feed_key_id": {"type": ["integer", "null"]},
            },
        },
        "RejectionInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["reason"],
            "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 2000}},
        },
        "Publisher": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "slug": TEXT,
                "name": TEXT,
                "website": TEXT,
                "outlet_type": TEXT,
                "status": {"enum": ["applicant", "active", "suspended"]},
            },
        },
        "License": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "publisher": TEXT,
                "request_id": {"type": ["integer", "null"]},
                "kind": {"enum": ["standard", "custom"]},
                "status": {"enum": ["active", "suspended", "expired", "revoked"]},
                "status_reason": TEXT,
                "scope": ref("Scope"),
                "fee_amount": NULLABLE_TEXT,
                "fee_currency": NULLABLE_TEXT,
                "territory": TEXT,
                "term_note": TEXT,
                "terms_version": TEXT,
                "terms_accepted_at": {
                    **TIME,
                    "description": "When the terms were accepted: the moment of the "
                    "application for a licence granted on one (submitting a request accepts "
                    "the terms shown with it), or null when no acceptance is on record.",
                },
                "embargo_entitled": {"type": "boolean"},
                "starts_at": TIME,
                "ends_at": TIME,
                "created_at": TIME,
            },
        },
        "RevokeInput": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"reason": {"type": "string", "maxLength": 2000}},
        },
        "FeedKey": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "publisher": TEXT,
                "label": TEXT,
                "prefix": {"type": "string", "description": "The key's first characters."},
                "active": {"type": "boolean"},
                "created_at": TIME,
                "last_used_at": TIME,
                "revoked_at": TIME,
                "replaced_by_id": {"type": ["integer", "null"]},
            },
        },
        "FeedKeyWithSecret": {
            "allOf": [
                ref("FeedKey"),
                {
                    "type": "object",
                    "required": ["feed_key"],
                    "properties": {
                        "feed_key": {
                            "type": "string",
                            "description": "The secret, shown only in this answer.",
                        }
                    },
                },
            ]
        },
        "FeedKeyInput": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "label": {"type": "string", "maxLength": 120},
                "publisher": {
                    "type": "string",
                    "description": "The publisher's slug: required for staff, optional "
                    "(its own) for a partner.",
                },
            },
        },
        "Image": image,
        "ArticleImage": {
            "allOf": [
                ref("Image"),
                {
                    "type": "object",
                    "properties": {
                        "role": {"enum": ["lead", "inline"]},
                        "caption": {
                            "type": "string",
                            "description": "The caption in this article.",
                        },
                    },
                },
            ]
        },
        "Article": {
            "type": "object",
            "properties": {
                "slug": TEXT,
                "headline": TEXT,
                "dek": TEXT,
                "url": {"type": "string", "format": "uri"},
                "dateline": TEXT,
                "authors": {"type": "array", "items": named},
                "section": named,
                "tags": {"type": "array", "items": named},
                "status": {"enum": ["draft", "scheduled", "published", "killed"]},
                "released_at": TIME,
                "updated_at": TIME,
                "revision": {"type": "integer"},
                "embargoed_until": {
                    **TIME,
                    "description": "Set while the story is under a partner embargo (entitled "
                    "partners only): do not publish before this time. Null otherwise.",
                },
                "body_html": TEXT,
                "corrections": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"note": TEXT, "created_at": TIME},
                    },
                },
                "images": {
                    "type": "array",
                    "items": ref("ArticleImage"),
                    "description": "Partners receive only the images they may receive now.",
                },
                "version": {"type": "integer", "description": "Staff only: for PATCH."},
                "body": {"type": "string", "description": "Staff only: the source."},
                "body_format": {"enum": ["markdown", "html"]},
                "syndication": {"enum": ["syndicate", "do_not_syndicate"]},
                "comments_open": {"type": "boolean"},
                "first_published_at": TIME,
                "killed_at": TIME,
            },
        },
        "ImagePlacement": {
            "type": "object",
            "additionalProperties": False,
            "required": ["image_id"],
            "properties": {
                "image_id": {"type": "integer"},
                "role": {"enum": ["lead", "inline"], "default": "inline"},
                "caption": {
                    "type": "string",
                    "maxLength": 2000,
                    "description": "Overrides the image's own caption in this article.",
                },
            },
        },
        "ArticleInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["headline", "section", "authors"],
            "properties": {
                "slug": {
                    "type": "string",
                    "maxLength": 160,
                    "description": "Default: from the headline.",
                },
                "headline": {"type": "string", "maxLength": 300},
                "dek": {"type": "string", "maxLength": 2000},
                "body": {"type": "string", "maxLength": 500_000},
                "body_format": {"enum": ["markdown", "html"], "default": "markdown"},
                "dateline": {"type": "string", "maxLength": 120},
                "section": {"type": "string", "description": "The section's slug."},
                "authors": {"type": "array", "items": TEXT, "description": "Author slugs."},
                "tags": {"type": "array", "items": TEXT, "description": "Tag names."},
                "syndication": {"enum": ["syndicate", "do_not_syndicate"]},
                "comments_open": {"type": "boolean"},
                "images": {
                    "type": "array",
                    "items": ref("ImagePlacement"),
                    "description": "The article's images, exactly and in order.",
                },
            },
        },
        "ArticlePatch": {
            "type": "object",
            "additionalProperties": False,
            "required": ["version"],
            "description": "Only the fields given change. `images`, when given, replaces "
            "the article's images.",
            "properties": {
                "version": {"type": "integer", "description": "The version you edited."},
                "slug": {"type": "string", "maxLength": 160},
                "headline": {"type": "string", "maxLength": 300},
                "dek": {"type": "string", "maxLength": 2000},
                "body": {"type": "string", "maxLength": 500_000},
                "body_format": {"enum": ["markdown", "html"]},
                "dateline": {"type": "string", "maxLength": 120},
                "section": TEXT,
                "authors": {"type": "array", "items": TEXT},
                "tags": {"type": "array", "items": TEXT},
                "syndication": {"enum": ["syndicate", "do_not_syndicate"]},
                "comments_open": {"type": "boolean"},
                "images": {"type": "array", "items": ref("ImagePlacement")},
            },
        },
        "PublishInput": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "release_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "A future time schedules the article.",
                },
                "version": {"type": "integer"},
            },
        },
        "VersionInput": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"version": {"type": "integer"}},
        },
        "ImageUpload": {
            "type": "object",
            "required": ["file", "alt_text", "rights_class"],
            "properties": {
                "file": {"type": "string", "contentMediaType": "application/octet-stream"},
                "alt_text": {"type": "string", "maxLength": 500},
                "caption": {"type": "string", "maxLength": 4000},
                "creator": {"type": "string", "maxLength": 200},
                "organization": {"type": "string", "maxLength": 200},
                "rights_class": rights_class,
                "license_url": {"type": "string", "maxLength": 500},
                "source_url": {"type": "string", "maxLength": 500},
                "partner_allowed": {"enum": ["true", "false"], "default": "true"},
                "partner_allowed_until": {"type": "string", "format": "date-time"},
            },
        },
        "ArticlePage": _page_of("Article"),
        "LicenseRequestPage": _page_of("LicenseRequest"),
        "LicensePage": _page_of("License"),
        "FeedKeyPage": _page_of("FeedKey"),
    }


ERROR_RESPONSES = {
    "Malformed": "400: the body is not JSON, or not a JSON object.",
    "Unauthenticated": "401: no credentials, or credentials that are unknown, revoked or "
    'disabled. Comes with `WWW-Authenticate: Bearer realm="syndicate-api"`.',
    "Forbidden": "403: the credentials do not allow this operation.",
    "NotFound": "404: not found, or not the caller's (the two look alike).",
    "Conflict": "409: the object is not in a state that allows this (already decided, "
    "already revoked, or edited since the version given).",
    "TooLarge": "413: the body is over the limit.",
    "UnsupportedMediaType": "415: the body has the wrong media type.",
    "Invalid": "422: some fields are invalid; `error.fields` names each one.",
    "TooManyRequests": "429: too many requests; retry later.",
}


def _paths() -> dict[str, Any]:
    request_id = [_path_param("request_id")]
    slug = [_path_param("slug", "string")]
    key_id = [_path_param("key_id")]
    licence_id = [_path_param("licence_id")]
    created = {"201": _ok("Created.", ref("LicenseRequest"))}
    return {
        "/license-requests": {
            "post": op(
                "Apply for a licence",
                perms.LICENSE_REQUEST_CREATE,
                tag="License requests",
                security=OPTIONAL_BEARER,
                body=ref("LicenseRequestInput"),
                body_required=True,
                responses=created,
                description="Open to anyone (rate-limited). The request is assessed against "
                "the eligibility policy at once. With a partner's API token the request is "
                "linked to its publisher. Submitting a request accepts the current standard "
                "terms (shown at /republish) on behalf of the organisation: a licence granted "
                "on it is bound to that version, accepted at the moment of the request.",
            ),
            "get": op(
                "List licensing requests",
                perms.LICENSE_REQUEST_READ_ANY,
                tag="License requests",
                parameters=[
                    _query(
                        "status",
                        {"enum": ["submitted", "approved", "rejected", "withdrawn"]},
                        "Only requests in this status.",
                    ),
                    _query("eligible", {"type": "boolean"}, "Only (in)eligible requests."),
                    *PAGING,
                ],
                responses={
                    "200": _ok("A page of requests, newest first.", ref("LicenseRequestPage")),
                    "422": _error("Invalid"),
                },
            ),
        },
        "/license-requests/{request_id}": {
            "get": op(
                "Read a licensing request",
                perms.LICENSE_REQUEST_READ,
                tag="License requests",
                parameters=request_id,
                description="Staff read any request; a partner only its publisher's.",
                responses={
                    "200": _ok("The request.", ref("LicenseRequest")),
                    "404": _error("NotFound"),
                },
            ),
        },
        "/license-requests/{request_id}/approve": {
            "post": op(
                "Approve a licensing request",
                perms.LICENSE_REQUEST_DECIDE,
                tag="License requests",
                parameters=request_id,
                body=ref("ApprovalInput"),
                description="Approves once: creates the publisher (or adds the licence to the "
                "existing one chosen in `publisher`), invites the contact, creates the licence "
                "and a new publisher's first feed key (its secret is in `feed_key`, shown only "
                "here). An existing publisher gets no key, and its portal users confirm the "
                "contact before the contact gets access and the licence comes into force. A "
                "second approval gets 409; a missing `publisher` choice for a request that "
                "matches an existing publisher, or a scope that covers nothing partners may "
                "receive, gets 422.",
                responses={
                    "201": _ok("Approved.", ref("Approval")),
                    "404": _error("NotFound"),
                    "409": _error("Conflict"),
                    "422": _error("Invalid"),
                },
            ),
        },
        "/license-requests/{request_id}/reject": {
            "post": op(
                "Reject a licensing request",
                perms.LICENSE_REQUEST_DECIDE,
                tag="License requests",
                parameters=request_id,
                body=ref("RejectionInput"),
                body_required=True,
                responses={
                    "200": _ok("Rejected.", ref("LicenseRequest")),
                    "404": _error("NotFound"),
                    "409": _error("Conflict"),
                },
            ),
        },
        "/articles": {
            "get": op(
                "List articles",
                perms.ARTICLE_READ,
                tag="Articles",
                description="Staff see every article. Partners (API token or feed key) see "
                "the public articles their licences in force cover (with embargo entitlement, also "
                "embargoed ones, marked `embargoed_until`), without images they may "
                "not receive.",
                parameters=[
                    _query("section", {"type": "string"}, "A section's slug."),
                    _query(
                        "status",
                        {"enum": ["draft", "scheduled", "published", "killed"]},
                        "Staff only (ignored for partners).",
                    ),
                    *PAGING,
                ],
                responses={
                    "200": _ok("A page of articles, newest first.", ref("ArticlePage")),
                    "422": _error("Invalid"),
                },
            ),
            "post": op(
                "Create an article (a draft)",
                perms.ARTICLE_WRITE,
                tag="Articles",
                body=ref("ArticleInput"),
                body_required=True,
                responses={"201": _ok("Created.", ref("Article"))},
            ),
        },
        "/articles/{slug}": {
            "get": op(
                "Read an article",
                perms.ARTICLE_READ,
                tag="Articles",
                parameters=slug,
                responses={
                    "200": _ok("The article.", ref("Article")),
                    "404": _error("NotFound"),
                },
            ),
            "patch": op(
                "Edit an article",
                perms.ARTICLE_WRITE,
                tag="Articles",
                parameters=slug,
                body=ref("ArticlePatch"),
                body_required=True,
                responses={
                    "200": _ok("Saved.", ref("Article")),
                    "404": _error("NotFound"),
                    "409": _error("Conflict"),
                },
            ),
        },
        "/articles/{slug}/publish": {
            "post": op(
                "Publish or schedule an article",
                perms.ARTICLE_WRITE,
                tag="Articles",
                parameters=slug,
                body=ref("PublishInput"),
                description="Refused (422, field `images`) while an image lacks a credit.",
                responses={
                    "200": _ok("Published or scheduled.", ref("Article")),
                    "404": _error("NotFound"),
                    "409": _error("Conflict"),
                },
            ),
        },
        "/articles/{slug}/unpublish": {
            "post": op(
                "Return an article to draft",
                perms.ARTICLE_WRITE,
                tag="Articles",
                parameters=slug,
                body=ref("VersionInput"),
                responses={
                    "200": _ok("Now a draft.", ref("Article")),
                    "404": _error("NotFound"),
                    "409": _error("Conflict"),
                },
            ),
        },
        "/images": {
            "post": op(
                "Upload an image",
                perms.IMAGE_WRITE,
                tag="Images",
                body=ref("ImageUpload"),
                body_required=True,
                media_type="multipart/form-data",
                description="A body over the upload limit gets 413; a file or rights field "
                "that is refused gets 422 naming the field (`file` for the image itself).",
                responses={"201": _ok("Stored, with its renditions.", ref("Image"))},
            ),
        },
        "/images/{image_id}": {
            "get": op(
                "Read an image's rights",
                perms.IMAGE_WRITE,
                tag="Images",
                parameters=[_path_param("image_id")],
                responses={"200": _ok("The image.", ref("Image")), "404": _error("NotFound")},
            ),
        },
        "/feed-keys": {
            "get": op(
                "List feed keys",
                perms.FEED_KEY_MANAGE_OWN,
                tag="Feed keys",
                description="A partner lists its publisher's keys; staff list all keys, or "
                "one publisher's with `publisher`. Secrets are never listed.",
                parameters=[
                    _query("publisher", {"type": "string"}, "Staff: a publisher's slug."),
                    *PAGING,
                ],
                responses={"200": _ok("A page of keys.", ref("FeedKeyPage"))},
            ),
            "post": op(
                "Create a feed key",
                perms.FEED_KEY_MANAGE_OWN,
                tag="Feed keys",
                body=ref("FeedKeyInput"),
                responses={
                    "201": _ok("Created; the secret is shown once.", ref("FeedKeyWithSecret"))
                },
            ),
        },
        "/feed-keys/{key_id}": {
            "get": op(
                "Read a feed key",
                perms.FEED_KEY_MANAGE_OWN,
                tag="Feed keys",
                parameters=key_id,
                responses={"200": _ok("The key.", ref("FeedKey")), "404": _error("NotFound")},
            ),
            "delete": op(
                "Revoke a feed key",
                perms.FEED_KEY_MANAGE_OWN,
                tag="Feed keys",
                parameters=key_id,
                description="The next request with the key gets 401. Revoking twice gets 409.",
                responses={
                    "204": {"description": "Revoked."},
                    "404": _error("NotFound"),
                    "409": _error("Conflict"),
                },
            ),
        },
        "/feed-keys/{key_id}/rotate": {
            "post": op(
                "Rotate a feed key",
                perms.FEED_KEY_MANAGE_OWN,
                tag="Feed keys",
                parameters=key_id,
                description="Issues a new key with the same label and revokes this one.",
                responses={
                    "201": _ok("The new key; its secret is shown once.", ref("FeedKeyWithSecret")),
                    "404": _error("NotFound"),
                    "409": _error("Conflict"),
                },
            ),
        },
        "/licenses": {
            "get": op(
                "List licences",
                perms.LICENSE_READ,
                tag="Licences",
                description="A partner lists its publisher's licences; staff all, or one "
                "publisher's with `publisher`.",
                parameters=[
                    _query("publisher", {"type": "string"}, "Staff: a publisher's slug."),
                    _query(
                        "status",
                        {"enum": ["active", "suspended", "expired", "revoked"]},
                        "Only licences in this status.",
                    ),
                    *PAGING,
                ],
                responses={
                    "200": _ok("A page of licences.", ref("LicensePage")),
                    "422": _error("Invalid"),
                },
            ),
        },
        "/licenses/{licence_id}": {
            "get": op(
                "Read a licence",
                perms.LICENSE_READ,
                tag="Licences",
                parameters=licence_id,
                responses={"200": _ok("The licence.", ref("License")), "404": _error("NotFound")},
            ),
        },
        "/licenses/{licence_id}/revoke": {
            "post": op(
                "Revoke a licence",
                perms.LICENSE_REVOKE,
                tag="Licences",
                parameters=licence_id,
                body=ref("RevokeInput"),
                description="Feeds stop on the next request. Revoking again gets 409.",
                responses={
                    "200": _ok("Revoked.", ref("License")),
                    "404": _error("NotFound"),
                    "409": _error("Conflict"),
                },
            ),
        },
        "/openapi.json": {
            "get": op(
                "This description",
                perms.API_DESCRIBE,
                tag="Meta",
                security=[],
                responses={"200": _ok("The OpenAPI 3.1 document.", {"type": "object"})},
            ),
        },
    }


def document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document for this site."""
    config = current_app.config
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{config['SITE_NAME']} API",
            "version": "1.0.0",
            "description": (
                "Licensing, articles, images and feed keys. Authenticate with "
                "`Authorization: Bearer TOKEN`: a staff or partner API token (`synd_api_…`), "
                "or a partner feed key (`synd_feed_…`, read-only: articles). Cookies are never "
                'accepted. Errors are `{"error": {"code", "message", "fields"}}`; '
                "times are ISO 8601 with a zone; JSON bodies are objects of at most "
                f"{int(config['API_MAX_BODY_BYTES']):,} bytes and unknown fields are refused."
            ),
        },
        "servers": [{"url": str(config["SITE_BASE_URL"]).rstrip("/") + "/api/v1"}],
        "tags": [
            {"name": name}
            for name in ("License requests", "Articles", "Images", "Feed keys", "Licences", "Meta")
        ],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A staff or partner API token, or a partner feed key.",
                }
            },
            "schemas": schemas(),
            "responses": {
                name: {"description": description, "content": _content(ref("Error"))}
                for name, description in ERROR_RESPONSES.items()
            },
        },
    }


@bp.get("/openapi.json")
@perms.requires(perms.API_DESCRIBE)
def openapi_document() -> dict[str, Any]:
    """Serve the OpenAPI document (no credentials needed)."""
    return document()
