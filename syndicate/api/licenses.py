"""Licences: partners read their own, staff read all and revoke."""

from __future__ import annotations

from sqlalchemy import select

from licenses.licences import revoke_licence
from licenses.models import License, Publisher
from syndicate.api import permissions as perms
from syndicate.api import schemas, serializers
from syndicate.api.auth import current_principal
from syndicate.api.blueprint import bp
from syndicate.api.contract import body, operation, page_of, query
from syndicate.api.jsonio import not_found
from syndicate.web.db import db_session

TAG = "Licences"


def _licence(licence_id: int) -> License:
    licence = db_session().get(License, licence_id)
    if licence is None or not current_principal().owns(
        licence.publisher_id, perms.LICENSE_READ_ANY
    ):
        raise not_found("That licence")
    return licence


@bp.get("/licenses")
@operation(
    "List licences",
    tag=TAG,
    permission=perms.LICENSE_READ,
    query=schemas.LicenseQuery,
    answer=schemas.LicensePage,
    description="A partner lists its publisher's licences; staff all, or one publisher's "
    "with `publisher`.",
)
def list_licences() -> schemas.LicensePage:
    """The caller's publisher's licences (staff: all, or one publisher's), newest first."""
    principal = current_principal()
    asked = query(schemas.LicenseQuery)
    conditions = []
    if principal.can(perms.LICENSE_READ_ANY):
        if asked.publisher:
            conditions.append(License.publisher.has(Publisher.slug == asked.publisher))
    else:
        conditions.append(License.publisher_id == principal.publisher_id)
    if asked.status is not None:
        conditions.append(License.status == asked.status)
    page = page_of(
        select(License).where(*conditions), asked, License.created_at.desc(), License.id.desc()
    )
    return schemas.LicensePage(**page.fields([serializers.licence(lic) for lic in page.rows]))


@bp.get("/licenses/<int:licence_id>")
@operation(
    "Read a licence",
    tag=TAG,
    permission=perms.LICENSE_READ,
    answer=schemas.License,
    errors=(404,),
)
def get_licence(licence_id: int) -> schemas.License:
    """One licence: staff any, a partner only its publisher's."""
    return serializers.licence(_licence(licence_id))


@bp.post("/licenses/<int:licence_id>/revoke")
@operation(
    "Revoke a licence",
    tag=TAG,
    permission=perms.LICENSE_REVOKE,
    body=schemas.RevokeInput,
    answer=schemas.License,
    errors=(404, 409),
    description="Feeds stop on the next request. Revoking again gets 409.",
)
def revoke_licence_view(licence_id: int) -> schemas.License:
    """End a licence for good; revoking again is a conflict (409)."""
    licence = _licence(licence_id)
    reason = body(schemas.RevokeInput).reason.strip()
    revoke_licence(db_session(), licence, reason=reason, actor_id=current_principal().actor_id)
    return serializers.licence(licence)
