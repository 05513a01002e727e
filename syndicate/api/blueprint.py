"""The API blueprint: enforcement, rate limits, and domain errors mapped to JSON."""

from __future__ import annotations

from flask import Blueprint, current_app
from werkzeug.wrappers import Response

from licenses.keys import FeedKeyError
from licenses.licences import LicenseConflict, LicenseError
from licenses.requests import DecisionConflict, RequestInvalid, RequestNotFound
from syndicate.api.auth import enforce
from syndicate.api.jsonio import ApiError
from syndicate.content.images import ImageRejected
from syndicate.content.services import ContentError, StaleEdit
from syndicate.extensions import limiter
from syndicate.web.errors import json_error

bp = Blueprint("api", __name__)

limiter.limit(lambda: current_app.config["RATELIMIT_API"])(bp)
bp.before_request(enforce)

# API names for the domain's field names, so errors name what the client sent.
CONTENT_FIELD_NAMES = {"section_id": "section", "author_ids": "authors", "body_source": "body"}


@bp.after_request
def _no_store(response: Response) -> Response:
    """API answers depend on the caller: never cache them in shared caches."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Response:
    return exc.response()


@bp.errorhandler(RequestInvalid)
def _request_invalid(exc: RequestInvalid) -> Response:
    return json_error(422, str(exc), exc.fields)


@bp.errorhandler(RequestNotFound)
def _request_not_found(_exc: RequestNotFound) -> Response:
    return json_error(404, "That licensing request was not found.")


@bp.errorhandler(DecisionConflict)
def _decision_conflict(exc: DecisionConflict) -> Response:
    return json_error(409, str(exc))


@bp.errorhandler(LicenseConflict)
def _license_conflict(exc: LicenseConflict) -> Response:
    return json_error(409, str(exc))


@bp.errorhandler(LicenseError)
def _license_error(exc: LicenseError) -> Response:
    return json_error(422, str(exc))


@bp.errorhandler(FeedKeyError)
def _feed_key_error(exc: FeedKeyError) -> Response:
    return json_error(409, str(exc))


@bp.errorhandler(StaleEdit)
def _stale_edit(exc: StaleEdit) -> Response:
    return json_error(409, str(exc), {"version": "stale"})


@bp.errorhandler(ContentError)
def _content_error(exc: ContentError) -> Response:
    if not exc.fields:
        # Field-less refusals are about the article's state (e.g. it was killed).
        return json_error(409, str(exc))
    fields = {CONTENT_FIELD_NAMES.get(name, name): msg for name, msg in exc.fields.items()}
    return json_error(422, str(exc), fields)


@bp.errorhandler(ImageRejected)
def _image_rejected(exc: ImageRejected) -> Response:
    problems: dict[str, str] = getattr(exc, "problems", None) or {exc.field: str(exc)}
    return json_error(422, str(exc), problems)
