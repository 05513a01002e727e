"""The ``syndicate`` command line. Each command is one unit of work: it commits once."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from syndicate.config import ConfigError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from syndicate.accounts.models import User


def _create_app():
    from syndicate.app import create_app

    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Syndicate: publish the desk's stories and syndicate them to partners."""


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Create or migrate the configured database."""
    from syndicate.migrate import upgrade

    url = current_app.config["DATABASE_URL"]
    upgrade(url, revision)
    click.echo(f"Database is at revision {revision}.", err=True)


@main.command()
@click.option(
    "--force", is_flag=True, help="Load the demo even when the configuration is production."
)
@with_appcontext
def demo(force: bool) -> None:
    """Load the demo content; running it twice changes nothing."""
    from pathlib import Path

    from syndicate.demo.loader import DemoRefused, load_demo
    from syndicate.media import media_store
    from syndicate.web.db import database

    def progress(step: int, total: int, label: str) -> None:
        width = 24
        filled = int(width * step / max(total, 1))
        click.echo(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {step}/{total} {label[:48]:<48}",
            nl=step >= total,
            err=True,
        )

    try:
        with database().transaction() as session:
            summary = load_demo(
                session,
                media_store(),
                current_app.config,
                progress=progress,
                instance=Path(current_app.instance_path),
                force=force,
            )
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from exc
    for line in summary:
        click.echo(line)


# No app context: the app must be built only after serve has set PROMETHEUS_MULTIPROC_DIR.
@main.command(with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=None, type=int, help="Port (default: $PORT or 5000).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--access-log/--no-access-log", default=True, show_default=True)
@click.option(
    "--worker/--no-worker",
    "outbox_worker",
    default=True,
    show_default=True,
    help="Also run the outbox worker (e-mail, webhooks, WebSub) as a supervised child "
    "process; turn it off where `syndicate worker` runs on its own.",
)
def serve(host: str, port: int | None, workers: int, access_log: bool, outbox_worker: bool) -> None:
    """Serve the application with gunicorn (a production server) and the outbox worker."""
    import os

    from syndicate.server import metrics_directory, run_gunicorn

    # Before the app below imports prometheus_client: the workers count into shared files.
    metrics_directory()
    port = port or int(os.environ.get("PORT") or 5000)
    # In development the public address follows the port served; the web workers and the
    # outbox worker inherit it from here.
    os.environ["PORT"] = str(port)
    app = _create_app()  # fail here, with a clear message, if the configuration is unusable
    click.echo(f"Serving on http://{host}:{port} with {workers} worker(s)", err=True)
    click.echo(f"Public address: {app.config['SITE_BASE_URL']}/", err=True)
    if not outbox_worker:
        click.echo("No outbox worker: run `syndicate worker` to deliver messages.", err=True)
    run_gunicorn(
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        outbox_worker=outbox_worker,
        application=app,
    )


def _user_by_email(session: Session, email: str) -> User:
    """The user with address ``email``, or a clear command-line error."""
    from sqlalchemy import select

    from syndicate.accounts.models import User
    from syndicate.accounts.services import AccountError, normalise_email

    try:
        address = normalise_email(email)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    user = session.scalar(select(User).where(User.email == address))
    if user is None:
        raise click.ClickException(f"no user with the address {address}")
    return user


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "-"


@main.group()
def users() -> None:
    """Manage users."""


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["staff", "partner"]), required=True)
@click.option("--publisher", "publisher_slug", default=None, help="Publisher slug (partners).")
@click.option("--name", default="", help="Display name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_create(
    email: str, role: str, publisher_slug: str | None, name: str, password_stdin: bool
) -> None:
    """Create a user. Without --password-stdin the user has no password yet."""
    from syndicate.accounts.models import Role
    from syndicate.accounts.services import AccountError, create_user
    from syndicate.web.db import database

    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.ClickException("no password on standard input")
    try:
        with database().transaction() as session:
            user = create_user(
                session,
                email=email,
                role=Role(role),
                password=password,
                name=name,
                publisher_slug=publisher_slug,
                min_password_length=current_app.config["PASSWORD_MIN_LENGTH"],
            )
            click.echo(f"Created {user.role.value} user {user.email} (id {user.id}).", err=True)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc


@users.command("disable")
@click.argument("email")
@with_appcontext
def users_disable(email: str) -> None:
    """Disable EMAIL: its sessions and API tokens stop working at once."""
    from syndicate.accounts.services import disable_user
    from syndicate.web.db import database

    with database().transaction() as session:
        user = _user_by_email(session, email)
        revoked = disable_user(session, user, actor_id=None)
        if revoked is None:
            click.echo(f"{user.email} was already disabled.", err=True)
        else:
            click.echo(
                f"Disabled {user.email}: signed out everywhere, "
                f"{revoked} API token{'' if revoked == 1 else 's'} revoked.",
                err=True,
            )


@main.group()
def images() -> None:
    """Stored images."""


@images.command("embed-rights")
@with_appcontext
def images_embed_rights() -> None:
    """Write each image's current rights and caption into its stored files (IPTC/XMP).

    Uploads and rights edits write them as they happen; run this once for files stored
    before they did. Files that already carry the right metadata are left alone.
    """
    from sqlalchemy import select

    from syndicate.content.images import embed_rights
    from syndicate.content.licensing import terms_url
    from syndicate.content.models import Image
    from syndicate.demo.loader import upload_limits
    from syndicate.media import media_store
    from syndicate.web.db import database

    config = current_app.config
    rewritten = total = 0
    with database().transaction() as session:
        for image in session.scalars(select(Image).order_by(Image.id)):
            total += 1
            rewritten += embed_rights(
                media_store(),
                image,
                terms_url=terms_url(config["SITE_BASE_URL"]),
                limits=upload_limits(config),
            )
    click.echo(f"Rewrote the files of {rewritten} of {total} images.", err=True)


@main.group()
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.argument("email")
@click.option("--label", default="", help="A note to recognise the token by.")
@click.option(
    "--expires-in-days",
    type=click.IntRange(1, 3650),
    default=None,
    help="Refuse the token after this many days (default: no expiry).",
)
@with_appcontext
def tokens_create(email: str, label: str, expires_in_days: int | None) -> None:
    """Print a new API token for EMAIL on standard output, alone."""
    from datetime import timedelta

    from syndicate.accounts.services import AccountError, create_api_token
    from syndicate.orm import utcnow
    from syndicate.web.db import database

    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    with database().transaction() as session:
        user = _user_by_email(session, email)
        if not user.is_enabled:
            raise click.ClickException(f"{user.email} is disabled")
        try:
            token, secret = create_api_token(session, user, label=label, expires_at=expires_at)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Created API token {token.id} for {user.email}.", err=True)
    click.echo(secret)


@tokens.command("list")
@click.argument("email")
@with_appcontext
def tokens_list(email: str) -> None:
    """List the API tokens of EMAIL: id, state, dates and label (never the secrets)."""
    from syndicate.accounts.services import token_state, tokens_of
    from syndicate.orm import utcnow
    from syndicate.web.db import database

    now = utcnow()
    with database().transaction() as session:
        user = _user_by_email(session, email)
        found = tokens_of(session, user.id)
        if not found:
            click.echo(f"{user.email} has no API tokens.", err=True)
            return
        rows = [("ID", "STATE", "PREFIX", "CREATED", "LAST USED", "EXPIRES", "LABEL")]
        for token in found:
            state = token_state(token, now)
            if token.revoked_at is not None:
                state = f"revoked {token.revoked_at:%Y-%m-%d}"
            rows.append(
                (
                    str(token.id),
                    state,
                    token.prefix,
                    _when(token.created_at),
                    _when(token.last_used_at),
                    _when(token.expires_at) if token.expires_at else "never",
                    token.label or "-",
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]))


@tokens.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
@with_appcontext
def tokens_revoke(token_id: int) -> None:
    """Revoke the API token ID (as `tokens list` shows it); it stops working at once."""
    from syndicate.accounts.models import ApiToken
    from syndicate.accounts.services import revoke_api_token
    from syndicate.web.db import database

    with database().transaction() as session:
        token = session.get(ApiToken, token_id)
        if token is None:
            raise click.ClickException(f"no API token with the id {token_id}")
        owner = token.user.email
        if revoke_api_token(session, token, actor_id=None):
            click.echo(f"Revoked API token {token_id} of {owner}.", err=True)
        else:
            click.echo(f"API token {token_id} of {owner} was already revoked.", err=True)


@main.command()
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option(
    "--interval",
    type=click.FloatRange(0.2, 3600),
    default=None,
    help="Seconds between rounds (default: worker.interval_seconds).",
)
@click.option("--parent-pid", type=int, default=None, hidden=True)
@with_appcontext
def worker(once: bool, interval: float | None, parent_pid: int | None) -> None:
    """Deliver queued e-mails, webhooks and WebSub pings, and run periodic upkeep (licence
    expiry, pings for feed changes that come with time alone).

    SIGTERM or SIGINT lets the round in progress finish, then the worker exits. Started by
    `syndicate serve`, it also exits when the server is gone, so a server that was killed
    leaves no worker behind.
    """
    import os
    import signal
    import threading
    import time

    from licenses.licences import expire_due
    from syndicate.newswire.websub import queue_timed_pings
    from syndicate.ops.heartbeat import record_heartbeat
    from syndicate.orm import utcnow
    from syndicate.outbox.delivery import run_once
    from syndicate.outbox.transports import transports_from_config
    from syndicate.web.db import database

    config = current_app.config
    db = database()
    transports = transports_from_config(config, db)
    pause = interval or float(config["WORKER_INTERVAL_SECONDS"])
    stopping = threading.Event()

    def _stop(_signum: int, _frame: object) -> None:
        stopping.set()

    if not once:
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)

    def orphaned() -> bool:
        return parent_pid is not None and os.getppid() != parent_pid

    click.echo(f"Worker started ({config['MAIL_BACKEND']} mail backend).", err=True)
    while not stopping.is_set() and not orphaned():
        with db.transaction() as session:
            expired = expire_due(session)
            pinged = queue_timed_pings(
                session,
                hub=str(config["FEEDS_WEBSUB_HUB"] or ""),
                base_url=str(config["SITE_BASE_URL"]),
                now=utcnow(),
                kill_notice_days=int(config["NEWSWIRE_KILL_NOTICE_DAYS"]),
            )
            # /readyz and the metrics read it: this worker is alive and doing rounds.
            record_heartbeat(session)
        totals = run_once(db, transports, max_attempts=int(config["OUTBOX_MAX_ATTEMPTS"]))
        if any(totals.values()) or expired or pinged:
            click.echo(
                f"sent {totals['sent']}, to retry {totals['retry']}, dead {totals['dead']}, "
                f"licences expired {expired}, timed feed changes announced {int(pinged)}",
                err=True,
            )
        if once:
            return
        deadline = time.monotonic() + pause
        while not stopping.is_set() and not orphaned():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            stopping.wait(min(1.0, left))
    click.echo("Worker stopped.", err=True)


def _progress(message: str) -> None:
    click.echo(f"  {message}", err=True)


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace PATH if it already exists.")
@with_appcontext
def backup(path: Path, yes: bool) -> None:
    """Back up the database and the media folder into the tar archive PATH."""
    import time

    from syndicate.backup import BackupError, create_backup

    if path.exists() and not yes:
        raise click.ClickException(f"{path} exists; add --yes to replace it")
    config = current_app.config
    started = time.monotonic()
    click.echo(f"Backing up to {path}", err=True)
    try:
        summary = create_backup(
            config["DATABASE_URL"], Path(config["MEDIA_DIR"]), path, progress=_progress
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = sum(summary.tables.values())
    click.echo(
        f"Backed up {summary.backend}: {len(summary.tables)} tables, {rows} rows, "
        f"{summary.media_files} media files; {summary.archive_bytes} bytes in "
        f"{time.monotonic() - started:.1f}s.",
        err=True,
    )


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Confirm replacing the current data.")
@with_appcontext
def restore(path: Path, yes: bool) -> None:
    """Replace the database and the media folder with the backup PATH."""
    import time

    from syndicate.backup import BackupError, has_data, read_manifest, restore_backup

    config = current_app.config
    url, media_dir = config["DATABASE_URL"], Path(config["MEDIA_DIR"])
    try:
        manifest = read_manifest(path)
        if not yes and has_data(url, media_dir):
            raise click.ClickException(
                "Restoring replaces everything in the configured database and in the media "
                f"folder {media_dir} with the backup made {manifest['created_at']}. "
                "Nothing was changed. Run again with --yes to go ahead."
            )
        started = time.monotonic()
        click.echo(f"Restoring from {path} (made {manifest['created_at']})", err=True)
        summary = restore_backup(url, media_dir, path, progress=_progress)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Restored {summary.backend}: {len(summary.tables)} tables, "
        f"{sum(summary.tables.values())} rows, {summary.media_files} media files in "
        f"{time.monotonic() - started:.1f}s.",
        err=True,
    )


def register_commands(app: Flask) -> None:
    """Expose the same commands on ``app.cli`` (so ``flask`` and test runners see them)."""
    for name, command in main.commands.items():
        if name not in app.cli.commands:
            app.cli.add_command(command, name)
