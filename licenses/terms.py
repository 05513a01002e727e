"""Versioned syndication terms; a licence records the version accepted, and when.

Submitting an application accepts the terms shown with it: a licence granted on that
application is bound to that version from the moment of the application, so delivery and the
portal's wording agree (there is no period in which stories flow under unaccepted terms).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from licenses.models import LicenseRequest, TermsVersion

STANDARD_TERMS_VERSION = "2026-1"
STANDARD_TERMS_TITLE = "Standard free syndication terms"
STANDARD_TERMS = """\
1. You may republish our stories for free, in print and online, once you hold an active licence.
2. Do not change the meaning of a story. You may edit for style and length, and localise
   spelling and dates; you may not add reporting or change quotes.
3. Keep the byline and the attribution line exactly as supplied, and link to the original.
4. Use only the photos supplied with the story in your feed, with their captions and credits.
   Photos not supplied in your feed are not licensed to you.
5. Keep the tracking image in the story's HTML; it counts readers and collects no personal data.
6. When we correct or withdraw a story, update or remove your copy promptly.
7. You may not sell our stories separately or syndicate them to others.
"""


def current_terms(session: Session) -> TermsVersion:
    """The current terms version, created from the built-in text when none exists yet."""
    terms = session.scalar(select(TermsVersion).where(TermsVersion.is_current.is_(True)))
    if terms is None:
        terms = session.scalar(
            select(TermsVersion).where(TermsVersion.version == STANDARD_TERMS_VERSION)
        )
        if terms is None:
            terms = TermsVersion(
                version=STANDARD_TERMS_VERSION, title=STANDARD_TERMS_TITLE, body=STANDARD_TERMS
            )
            session.add(terms)
        terms.is_current = True
        session.flush()
    return terms


def terms_on_offer(session: Session) -> TermsVersion:
    """The terms an applicant is shown now, read only: the current version, or the built-in
    text that :func:`current_terms` would store (pages that show terms write nothing)."""
    terms = session.scalar(select(TermsVersion).where(TermsVersion.is_current.is_(True)))
    if terms is None:
        terms = TermsVersion(
            version=STANDARD_TERMS_VERSION, title=STANDARD_TERMS_TITLE, body=STANDARD_TERMS
        )
    return terms


def publish_terms(session: Session, version: str, title: str, body: str) -> TermsVersion:
    """Add a new terms version and make it current; earlier licences keep theirs."""
    session.execute(update(TermsVersion).values(is_current=False))
    terms = TermsVersion(version=version, title=title, body=body, is_current=True)
    session.add(terms)
    session.flush()
    return terms


def terms_of_application(
    session: Session, request: LicenseRequest
) -> tuple[TermsVersion, datetime | None]:
    """The terms a licence granted on ``request`` is bound to, and when they were accepted.

    Submitting an application accepts the terms shown with it, so the licence carries that
    version, accepted at the moment of the application. A request stored before the
    version was recorded gets the current terms, not yet accepted (the partner accepts them
    in the portal).
    """
    if request.terms_version_id is not None:
        terms = session.get(TermsVersion, request.terms_version_id)
        if terms is not None:
            return terms, request.created_at
    return current_terms(session), None


def terms_paragraphs(body: str) -> list[str]:
    """Terms text as paragraphs: an indented line continues the one before it."""
    paragraphs: list[str] = []
    for line in body.splitlines():
        if not line.strip():
            continue
        if line[:1].isspace() and paragraphs:
            paragraphs[-1] += " " + line.strip()
        else:
            paragraphs.append(line.strip())
    return paragraphs
