"""Licences: partners read their own, staff read all and revoke."""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import func, select

from licenses.licences import revoke_licence
from licenses.models import License, LicenseStatus, Publisher
from syndicate.api import permissions as perms
from syndicate.api import serializers
from syndicate.api.auth import current_principal
from syndicate.api.blueprint import bp
from syndicate.api.jsonio import (
    invalid,
    json_body,
    not_found,
    page_envelope,
    paging,
    query_choice,
    refuse_unknown,
    text_field,
)
from syndicate.web.db import db_session


def _licence(licence_id: int) -> License:
    licence = db_session().get(License, licence_id)
    if licence is None or not current_principal().owns(
        licence.publisher_id, perms.LICENSE_READ_ANY
    ):
        raise not_found("That licence")
    return licence


@bp.get("/licenses")
@perms.requires(perms.LICENSE_READ)
def list_licences() -> dict[str, Any]:
    """The caller's publisher's licences (staff: all, or one publisher's), newest first."""
    principal = current_principal()
    problems: dict[str, str] = {}
    status = query_choice("status", [s.value for s in LicenseStatus], problems)
    page = paging(problems)
    if problems:
        raise invalid(problems)
    conditions = []
    if principal.can(perms.LICENSE_READ_ANY):
        slug = request.args.get("publisher")
        if slug:
            conditions.append(License.publisher.has(Publisher.slug == slug))
    else:
        conditions.append(License.publisher_id == principal.publisher_id)
    if status is not None:
        conditions.append(License.status == LicenseStatus(status))
    session = db_session()
    total = session.scalar(select(func.count(License.id)).where(*conditions)) or 0
    rows = session.scalars(
        select(License)
        .where(*conditions)
        .order_by(License.created_at.desc(), License.id.desc())
        .limit(page.per_page)
        .offset(page.offset)
    ).all()
    return page_envelope([serializers.licence(lic) for lic in rows], page, total)


@bp.get("/licenses/<int:licence_id>")
@perms.requires(perms.LICENSE_READ)
def get_licence(licence_id: int) -> dict[str, Any]:
    """One licence: staff any, a partner only its publisher's."""
    return serializers.licence(_licence(licence_id))


@bp.post("/licenses/<int:licence_id>/revoke")
@perms.requires(perms.LICENSE_REVOKE)
def revoke_licence_view(licence_id: int) -> dict[str, Any]:
    """End a licence for good; revoking again is a conflict (409)."""
    licence = _licence(licence_id)
    body = json_body()
    refuse_unknown(body, {"reason"})
    problems: dict[str, str] = {}
    reason = text_field(body, "reason", problems, limit=2000)
    if problems:
        raise invalid(problems)
    revoke_licence(db_session(), licence, reason=reason, actor_id=current_principal().actor_id)
    return serializers.licence(licence)
