"""The demo content: what `syndicate demo` loads, that a second run changes nothing, and
that a production configuration is refused."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, inspect, select, table
from sqlalchemy.orm import Session

from licenses.models import Publisher, PublisherStatus
from syndicate.accounts.models import Role, User
from syndicate.accounts.passwords import verify_password
from syndicate.accounts.services import change_password
from syndicate.audit import AuditEvent
from syndicate.content.models import (
    Article,
    ArticleStatus,
    Image,
    SyndicationPolicy,
)
from syndicate.content.rights import RightsClass, composite_credit
from syndicate.content.sanitize import render_markdown
from syndicate.content.services import is_public
from syndicate.demo import content, stories
from syndicate.demo.credentials import FILE_NAME, CredentialFile
from syndicate.demo.loader import SHOWCASE_SLUG, DemoRefused, load_demo
from syndicate.demo.pictures import HEIGHT, WIDTH, jpeg_bytes, render
from syndicate.media import MediaStore
from syndicate.orm import utcnow

CREDENTIAL_LINE = re.compile(r"^\s+(staff|partner)\s+(\S+@\S+)\s+(\S+)", re.MULTILINE)


def row_counts(session: Session) -> dict[str, int]:
    """Rows in every table of the database, by table name."""
    names = inspect(session.connection()).get_table_names()
    return {
        name: session.scalar(select(func.count()).select_from(table(name))) or 0 for name in names
    }


def files_under(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` with its size and modification time."""
    if not root.exists():
        return {}
    return {
        str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in root.rglob("*")
        if path.is_file()
    }


def demo_config(app: Flask, **overrides: Any) -> Mapping[str, Any]:
    """The app's configuration with ``overrides``."""
    config = dict(app.config)
    config.update(overrides)
    return config


def credentials_in(output: str) -> dict[str, str]:
    """E-mail → password from the printed sign-in lines."""
    return {email: password for _role, email, password in CREDENTIAL_LINE.findall(output)}


# The data itself, without a database


def test_sample_data_is_complete_and_consistent() -> None:
    image_keys = [image.key for image in content.IMAGES]
    assert len(image_keys) == len(set(image_keys)) >= 15
    alt_texts = [image.alt_text for image in content.IMAGES]
    assert len(alt_texts) == len(set(alt_texts)), "alt text is part of an image's identity"
    assert all(len(text) <= 500 for text in alt_texts)
    sections = {section.slug for section in content.SECTIONS}
    authors = {author.slug for author in content.AUTHORS}
    assert all(author.title and author.bio for author in content.AUTHORS)
    slugs = [article.slug for article in stories.ARTICLES]
    assert len(slugs) == len(set(slugs)) >= 12
    used_images: list[str] = []
    for article in stories.ARTICLES:
        assert article.section in sections
        assert set(article.authors) <= authors
        assert article.dateline
        assert article.tags
        assert article.dek
        used_images += [article.lead.image, *(p.image for p in article.inline)]
        html = render_markdown(article.body)
        outside_quotes = re.sub(r"<blockquote>.*?</blockquote>", "", html, flags=re.DOTALL)
        assert 4 <= outside_quotes.count("<p>") <= 8, article.slug
    assert sorted(used_images) == sorted(image_keys), "every picture is used exactly once"
    assert SHOWCASE_SLUG in slugs


def test_pictures_are_deterministic_and_photo_sized() -> None:
    first, second = content.IMAGES[0].picture, content.IMAGES[1].picture
    assert jpeg_bytes(first) == jpeg_bytes(first)
    assert jpeg_bytes(first) != jpeg_bytes(second)
    picture = render(first)
    assert picture.size == (WIDTH, HEIGHT) == (1600, 1067)
    # A picture, not a flat fill: many distinct colours.
    colours = picture.resize((200, 133)).getcolors(maxcolors=1_000_000)
    assert colours is not None
    assert len(colours) > 2000


def test_credential_file_is_private_and_written_only_on_change(tmp_path: Path) -> None:
    creds = CredentialFile(tmp_path)
    assert creds.get("a@b.example") is None
    assert creds.save() is False
    assert not creds.path.exists()
    creds.set("A@b.example", "first-password-123")
    assert creds.save() is True
    assert stat.S_IMODE(os.stat(creds.path).st_mode) == 0o600
    again = CredentialFile(tmp_path)
    assert again.get("a@b.example") == "first-password-123"
    again.set("a@b.example", "first-password-123")
    assert again.save() is False


# Loading through the domain code


def test_demo_loads_rich_original_content_and_a_second_run_changes_nothing(
    app: Flask, session: Session, tmp_path: Path
) -> None:
    store = MediaStore(tmp_path / "media")
    instance = tmp_path / "instance"
    calls: list[tuple[int, int, str]] = []
    now = utcnow()

    lines = load_demo(
        session, store, demo_config(app), progress=lambda *c: calls.append(c), instance=instance
    )
    session.flush()

    # Progress: every step reported, ending at the total.
    totals = {total for _step, total, _label in calls}
    assert len(totals) == 1
    assert [step for step, _t, _l in calls] == list(range(totals.pop() + 1))

    # Articles, sections, authors.
    articles = session.scalars(select(Article)).all()
    assert len(articles) >= 12
    assert len({a.section_id for a in articles}) >= 3
    assert len({author.id for a in articles for author in a.authors}) >= 4
    assert any(len(a.authors) > 1 for a in articles)
    assert all(a.dateline and a.tags and a.body_html for a in articles)
    assert any("<h2>" in a.body_html for a in articles)
    assert any("<blockquote>" in a.body_html for a in articles)
    by_status = {s: [a for a in articles if a.status is s] for s in ArticleStatus}
    assert len(by_status[ArticleStatus.DRAFT]) == 1
    assert by_status[ArticleStatus.DRAFT][0].released_at is None
    scheduled = by_status[ArticleStatus.SCHEDULED]
    assert len(scheduled) == 1
    assert scheduled[0].released_at is not None
    assert scheduled[0].released_at > now
    assert not is_public(scheduled[0], utcnow())
    published = by_status[ArticleStatus.PUBLISHED]
    assert len(published) >= 10
    release_times = sorted(a.released_at for a in published if a.released_at)
    assert len(release_times) == len(published)
    assert release_times[-1] < now
    assert (release_times[-1] - release_times[0]).days >= 14, "spread over several weeks"
    assert len(set(release_times)) == len(release_times)
    corrected = [a for a in articles if a.corrections]
    assert len(corrected) == 1
    assert corrected[0].revision == 2
    assert "2,318" in corrected[0].corrections[0].note
    assert sum(a.syndication is SyndicationPolicy.DO_NOT_SYNDICATE for a in articles) == 1
    assert sum(not a.comments_open for a in articles) == 1

    # Images and their rights.
    images = session.scalars(select(Image)).all()
    assert len(images) >= 15
    assert {i.rights_class for i in images} == set(RightsClass)
    assert all(i.width == 1600 and i.height == 1067 and i.alt_text and i.caption for i in images)
    for image in images:
        assert store.exists(image.storage_key)
        assert image.renditions
        assert all(store.exists(r.storage_key) for r in image.renditions)
    agency = [i for i in images if i.rights_class is RightsClass.AGENCY]
    assert [(i.creator, i.organization) for i in agency] == [("Marta Quill", "Continental Wire")]
    assert not agency[0].partner_permitted(utcnow())
    partner_refused = [
        i for i in images if i.rights_class is RightsClass.PARTNER and not i.partner_allowed
    ]
    assert len(partner_refused) == 1
    assert not partner_refused[0].partner_permitted(utcnow())
    assert partner_refused[0].organization == "The Harlow Bend Courier"
    public_domain = [i for i in images if i.rights_class is RightsClass.PUBLIC_DOMAIN]
    assert "Federal Flood Mapping Office/Public domain" in {i.credit_line for i in public_domain}
    creative = [i for i in images if i.rights_class is RightsClass.CREATIVE_COMMONS]
    assert creative
    assert all(i.license_url.startswith("https://creativecommons.org/licenses/") for i in creative)
    assert all(i.credit_line and "(CC BY" in i.credit_line for i in creative)
    lapsed = [
        i
        for i in images
        if i.rights_class is RightsClass.STAFF and i.partner_allowed_until is not None
    ]
    assert len(lapsed) == 1
    until = lapsed[0].partner_allowed_until
    assert lapsed[0].partner_allowed
    assert until is not None
    assert until < now
    assert not lapsed[0].partner_permitted(utcnow())
    links = [link for a in articles for link in a.images]
    assert len(links) == len(images), "every picture is placed in a story"
    assert all(link.image.credit_line for link in links)
    assert all(a.lead is not None for a in articles)
    assert any(a.inline_images for a in articles)

    # The showcase: a public story with a public-domain handout and a partner's photo.
    showcase = next(a for a in articles if a.slug == SHOWCASE_SLUG)
    assert is_public(showcase, utcnow())
    credits = [link.image.credit_line for link in showcase.images]
    classes = {link.image.rights_class for link in showcase.images}
    assert {RightsClass.PUBLIC_DOMAIN, RightsClass.PARTNER} <= classes
    line = composite_credit(credits)
    assert line is not None
    assert "Federal Flood Mapping Office/Public domain" in line
    assert "Felix Amador/The Harlow Bend Courier" in line

    # Accounts and partners: hashes in the database, plaintext only in the private file.
    editor = session.scalar(select(User).where(User.email == "editor@lanterndesk.example"))
    assert editor is not None
    assert editor.role is Role.STAFF
    creds_file = instance / FILE_NAME
    assert stat.S_IMODE(os.stat(creds_file).st_mode) == 0o600
    printed = credentials_in("\n".join(lines))
    assert len(printed) == 3
    assert editor.password_hash
    assert editor.password_hash.startswith("$argon2id$")
    assert verify_password(editor.password_hash, printed[editor.email])
    assert printed[editor.email] in creds_file.read_text()
    publishers = session.scalars(select(Publisher)).all()
    assert len(publishers) == 2
    assert all(
        p.status is PublisherStatus.ACTIVE and p.website and p.outlet_type for p in publishers
    )
    assert all(p.monthly_audience > 0 and p.contact_email for p in publishers)
    for publisher in publishers:
        users = session.scalars(select(User).where(User.publisher_id == publisher.id)).all()
        assert len(users) == 1
        assert users[0].role is Role.PARTNER
        assert verify_password(users[0].password_hash, printed[users[0].email])
    assert any(line.startswith("Loaded demo content") for line in lines)
    assert "http://localhost/login" in "\n".join(lines)
    assert session.scalar(select(func.count()).select_from(AuditEvent)), "changes are audited"

    # A second run: no row, no audit event, no file, the same credentials.
    counts = row_counts(session)
    media = files_under(store.root)
    creds_stat = creds_file.stat().st_mtime_ns
    again = load_demo(session, store, demo_config(app), instance=instance)
    session.flush()
    assert row_counts(session) == counts
    assert files_under(store.root) == media
    assert creds_file.stat().st_mtime_ns == creds_stat
    assert again[0].startswith("Demo content is already loaded")
    assert credentials_in("\n".join(again)) == printed

    # A password changed since: the stale copy is not printed as if it still worked.
    change_password(session, editor, "a brand new editor password")
    third = "\n".join(load_demo(session, store, demo_config(app), instance=instance))
    assert printed[editor.email] not in third
    assert "changed since the demo set it" in third


def test_demo_refuses_a_production_configuration(
    app: Flask, session: Session, tmp_path: Path
) -> None:
    counts = row_counts(session)
    with pytest.raises(DemoRefused, match="production"):
        load_demo(
            session,
            MediaStore(tmp_path / "media"),
            demo_config(app, ENV="production"),
            instance=tmp_path,
        )
    assert row_counts(session) == counts
    assert not (tmp_path / "media").exists()
    assert not (tmp_path / FILE_NAME).exists()


# The command line


def test_demo_command_prints_credentials_refuses_production_and_is_idempotent(
    app: Flask,
    runner: FlaskCliRunner,
    client: FlaskClient,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    media_root = Path(app.config["MEDIA_DIR"])
    before = row_counts(session)

    monkeypatch.setitem(app.config, "ENV", "production")
    refused = runner.invoke(args=["demo"])
    assert refused.exit_code == 1
    assert "production" in refused.output
    assert "--force" in refused.output
    assert row_counts(session) == before
    monkeypatch.setitem(app.config, "ENV", "development")

    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    printed = credentials_in(first.stdout)
    assert set(printed) == {
        "editor@lanterndesk.example",
        "maeve.dunleavy@harlowbendcourier.example",
        "idris.marchetti@riverlandsradio.example",
    }
    assert "Sign in at http://localhost/login" in first.stdout
    assert re.search(r"(\d+)/\1 ", first.stderr), "the progress bar goes to standard error"
    keys = re.findall(r"Bearer (synd_feed_\S+)'", first.stdout)
    assert len(keys) == 2, "each demo partner's feed key is printed"
    assert all(key in (Path(app.instance_path) / FILE_NAME).read_text() for key in keys)
    creds_file = Path(app.instance_path) / FILE_NAME
    assert all(password in creds_file.read_text() for password in printed.values())
    loaded = row_counts(session)
    assert loaded["articles"] >= 12
    assert loaded["images"] >= 15
    media = files_under(media_root)

    # Forced in production, on an installation that has the demo already: nothing changes.
    monkeypatch.setitem(app.config, "ENV", "production")
    second = runner.invoke(args=["demo", "--force"])
    assert second.exit_code == 0, second.output
    assert "already loaded" in second.stdout
    assert credentials_in(second.stdout) == printed
    assert row_counts(session) == loaded
    assert files_under(media_root) == media

    # The showcase page shows both credits and one composite line naming both.
    page = client.get(f"/articles/{SHOWCASE_SLUG}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Federal Flood Mapping Office/Public domain" in html
    assert "Felix Amador/The Harlow Bend Courier" in html
    composite = re.search(r"Images courtesy of [^<]*", html)
    assert composite is not None
    assert "Federal Flood Mapping Office/Public domain" in composite.group(0)
    assert "Felix Amador/The Harlow Bend Courier" in composite.group(0)


def test_demo_partners_hold_licences_and_a_request_waits(
    app: Flask, session: Session, tmp_path: Path
) -> None:
    from licenses.models import License, LicenseRequest, RequestStatus, ScopeKind

    load_demo(session, MediaStore(tmp_path / "media"), app.config, instance=tmp_path)
    licences = {lic.publisher.slug: lic for lic in session.scalars(select(License))}
    assert licences["harlow-bend-courier"].scope_kind is ScopeKind.SECTIONS
    assert licences["riverlands-public-radio"].scope_kind is ScopeKind.ALL
    assert licences["riverlands-public-radio"].embargo_entitled
    waiting = session.scalars(
        select(LicenseRequest).where(LicenseRequest.status == RequestStatus.SUBMITTED)
    ).all()
    by_name = {r.organization: r for r in waiting}
    assert sorted(by_name) == ["Harlow Bend Courier Digital", "The Cinder Falls Ledger"]
    assert not by_name["The Cinder Falls Ledger"].eligible
    # The application from the Courier's domain waits for staff, attached to no one.
    matching = by_name["Harlow Bend Courier Digital"]
    assert matching.publisher_id is None
    assert matching.license is None
