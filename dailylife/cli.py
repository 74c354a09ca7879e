"""Command-line tools: ``flask --app dailylife seed-demo | users create | users forget-sso |
users reset-mfa | audit anchor | audit verify | entries check | forget-statistics``."""

import os
import sys

import click
from email_validator import EmailNotValidError, validate_email
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from dailylife import audit, demo
from dailylife.chronology import showable
from dailylife.deployment import health
from dailylife.extensions import db
from dailylife.mfa import factors
from dailylife.people import operations, sessions, sso
from dailylife.people.models import Role, Team
from dailylife.people.passwords import password_problem

users_cli = AppGroup("users", help="Manage user accounts.")
audit_cli = AppGroup("audit", help="Check the audit trail.")
entries_cli = AppGroup("entries", help="Check the entries of the record.")


def init_app(app) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(forget_statistics)
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(entries_cli)


@click.command("seed-demo")
@with_appcontext
@click.option("--entries", type=click.IntRange(min=0), default=0,
              help="Add this many extra entries to the first child on the demo practitioner's "
                   "caseload (for benchmarks).")
def seed_demo(entries: int) -> None:
    """Fill an empty (or demo-only) database with a fictional team, people and children."""
    if demo.has_real_users():
        raise click.ClickException(
            "This database holds accounts that are not demo accounts. seed-demo only runs on an "
            "empty or demo-only database, so that demo data never mixes with real records.")
    password = os.environ.get("DAILYLIFE_DEMO_PASSWORD", "demo-password")
    created = demo.seed(password)
    if entries:
        demo.add_long_history(entries)
    db.session.commit()
    if created:
        click.echo("Demo data created. Sign in with any of these, password: " + password)
        for email in demo.DEMO_EMAILS:
            click.echo(f"  {email}")
        required = sorted(role.value for role in current_app.config["MFA_REQUIRED_ROLES"])
        if required:
            listed = " and ".join([", ".join(required[:-1]), required[-1]] if len(required) > 1
                                  else required)
            click.echo(f"The {listed} accounts set up an authenticator app or a "
                       "passkey at their first sign-in (DAILYLIFE_MFA_REQUIRED_ROLES).")
    else:
        click.echo("Demo data was already there; nothing new created.")
    if entries:
        click.echo(f"Added {entries} entries to the first child on the demo caseload.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--team", "team_name", help="Team name (created if it does not exist).")
@click.option("--name", "display_name", help="Display name (defaults to the email's local part).")
def create_user(email: str, role: str, team_name: str | None, display_name: str | None) -> None:
    """Create a user. The password is read from a hidden prompt, or from stdin when piped.

    This is how the operator at the server makes the first administrator; administrators in the
    browser never choose a password (they send a set-password link)."""
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise click.ClickException(f"{email!r} is not a valid email address: {error}") from error
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    problem = password_problem(password, email=email)
    if problem:
        raise click.ClickException(problem)
    team = None
    if team_name:
        team = db.session.scalar(sa.select(Team).where(Team.name == team_name))
        team = team or operations.create_team(team_name)
    try:
        user = operations.create_user(email=email, display_name=display_name or email.split("@")[0],
                                      role=Role(role), password=password, team=team)
    except operations.DuplicateEmail as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role.value}).")


@users_cli.command("reset-mfa")
@click.argument("email")
def reset_mfa(email: str) -> None:
    """Remove a user's second factors and recovery codes (a lost phone) and end their sessions."""
    user = sessions.user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with the email {email}.")
    ended = factors.reset(user, actor=f"operator ({os.environ.get('USER', 'unknown')})")
    db.session.commit()
    click.echo(f"Removed the second factors of {user.email} and ended {ended} session"
               f"{'' if ended == 1 else 's'}. They set up a new one at their next sign-in"
               + (" (their role requires one)." if factors.is_required(user) else "."))


@users_cli.command("forget-sso")
@click.argument("email")
def forget_sso(email: str) -> None:
    """Unbind EMAIL's account from its single sign-on identity, so that the next sign-in through
    the identity provider binds it again (audited)."""
    user = sessions.user_by_email(email)
    if user is None or user.oidc_subject is None:
        raise click.ClickException(f"There is no account for {email} bound to a single sign-on "
                                   "identity; nothing to forget.")
    sso.forget_identity(user)
    db.session.commit()
    click.echo(f"{user.email} will be bound again at their next single sign-on.")


@audit_cli.command("anchor")
def anchor() -> None:
    """Print the newest event's position and hash in one line: keep it outside the database (a
    ticket, an email) and give it to ``audit verify --anchor`` to show events cut off the end."""
    latest = audit.latest_anchor()
    if latest is None:
        raise click.ClickException("The audit trail has no events yet, so there is nothing to "
                                   "anchor. Run this again once the app has been used.")
    click.echo(str(latest))


def _anchor_option(context, parameter, value: str | None) -> audit.Anchor | None:
    if value is None:
        return None
    try:
        return audit.Anchor.parse(value)
    except ValueError as error:
        raise click.BadParameter(
            f"{error}. Give the line `flask --app dailylife audit anchor` printed, e.g. "
            f'--anchor "{audit.ANCHOR_PREFIX} 18234 3f5a…" (64 hexadecimal characters), '
            "or just its position and hash.") from error


@audit_cli.command("verify")
@click.option("--anchor", "anchor_", callback=_anchor_option, metavar='"LINE"',
              help="A line printed earlier by `audit anchor`: the chain must still hold that "
                   "hash at that position (shows events removed from the end).")
def verify(anchor_: audit.Anchor | None) -> None:
    """Check that no audit event was changed or removed; exit 1 if the chain is broken."""
    report = audit.verify_chain(anchor=anchor_)
    if report.intact:
        click.echo(f"Audit chain intact: {report.checked} events checked." + _intact_detail(
            report, anchor_))
        return
    click.echo(f"Audit chain BROKEN at event {report.broken_at}: {report.problem}. "
               f"{report.checked} events before it are intact.", err=True)
    current_app.logger.error("audit chain broken at %s", report.broken_at)
    sys.exit(1)


def _intact_detail(report: audit.ChainReport, anchor_: audit.Anchor | None) -> str:
    """What an intact chain's report adds: where the keyed part starts, and the anchor held."""
    detail = ""
    if report.unkeyed:
        detail += (f" The first {report.unkeyed} were written before the audit key (plain "
                   f"SHA-256); every event from {report.keyed_from} on is keyed.")
    if anchor_:
        detail += f" Event {anchor_.position} still has the anchored hash."
    return detail


@entries_cli.command("check")
def check_entries() -> None:
    """List the entries that pages show as "cannot be shown", and why; exit 1 if there are any."""
    found = 0
    for entry, problem in showable.unshowable_entries():
        if not found:
            click.echo("Entries that cannot be shown (id, child, kind, why):")
        found += 1
        click.echo(f"{entry.id}  child {entry.child_id}  {entry.kind.value}  {problem}")
    if not found:
        click.echo("No entries that cannot be shown.")
        return
    click.echo(f"{found} entr{'y' if found == 1 else 'ies'} cannot be shown.", err=True)
    sys.exit(1)


@click.command("forget-statistics")
@with_appcontext
def forget_statistics() -> None:
    """Remove SQLite's planner statistics (left by ANALYZE): with them the dashboard's queries
    take minutes (/readyz says so)."""
    if db.engine.dialect.name != "sqlite":
        raise click.ClickException("Only a SQLite database keeps planner statistics that harm it; "
                                   "this one is not SQLite.")
    found = health.planner_statistics()
    for table in found:
        db.session.execute(sa.text(f'DROP TABLE "{table}"'))
    db.session.commit()
    click.echo(f"Removed {', '.join(found)}: restart the app servers so that they plan without "
               "them." if found else "No planner statistics: nothing to remove.")
