"""Versioned syndication terms; a licence records the version accepted."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from licenses.models import TermsVersion

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


def publish_terms(session: Session, version: str, title: str, body: str) -> TermsVersion:
    """Add a new terms version and make it current; earlier licences keep theirs."""
    session.execute(update(TermsVersion).values(is_current=False))
    terms = TermsVersion(version=version, title=title, body=body, is_current=True)
    session.add(terms)
    session.flush()
    return terms
