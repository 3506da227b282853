"""Command-line interface: `flask --app wsgi seed|plan|users ...`; features add their own commands."""
import json
import os
import secrets
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .core.transaction import run_command
from .extensions import db

seed_cli = AppGroup("seed", help="Load the plan, demo data or volume data.")
plan_cli = AppGroup("plan", help="Read the plan.")
users_cli = AppGroup("users", help="Manage accounts.")
jobs_cli = AppGroup("jobs", help="Run the job queue's worker; look at the queue.")


@seed_cli.command("plan")
def seed_plan_command():
    """Load the plan's hierarchy and reference lists (safe to run again)."""
    from .indicators.seed import seed_indicators
    from .plan.seed import seed_plan

    created = seed_plan()
    indicators = seed_indicators()  # the plan's headline baselines and starter indicators, same transaction
    db.session.commit()
    for label, counts in (("Plan", created), ("Indicators", indicators)):
        click.echo(f"{label} seeded: " + (", ".join(f"{n} {k}" for k, n in counts.items() if n)
                                          if sum(counts.values()) else "already up to date, nothing created."))


@plan_cli.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print the hierarchy as JSON.")
def plan_show_command(as_json: bool):
    """Print the plan's hierarchy."""
    from .plan.queries import current_plan, plan_as_dict

    plan = current_plan()
    if plan is None:
        raise click.ClickException("No plan in the database: run `flask --app wsgi seed plan` first.")
    data = plan_as_dict(plan)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"{data['plan']['title']} — {data['plan']['motto']}")
    for line in data["lines"]:
        click.echo(f"{line['code']}  {line['title']}")
        for axis in line["axes"]:
            click.echo(f"  {axis['code']}  {axis['title']}")
            for outcome in axis["outcomes"]:
                click.echo(f"    {outcome['code']}  {outcome['title']}")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", required=True, type=click.Choice(["admin", "secretary_general", "staff", "board"]))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create_command(email: str, name: str, role: str, password_stdin: bool):
    """Create an account; the password comes from a prompt or standard input."""
    from .auth.services import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = run_command(lambda: create_user(None, email, name, role, password))
    click.echo(f"Created {user.role} account {user.email}.")


@users_cli.command("invite")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", required=True, type=click.Choice(["admin", "secretary_general", "staff", "board"]))
def users_invite_command(email: str, name: str, role: str):
    """Create an account without a password and email the person a link to choose one (sent by the job worker)."""
    from .admin.services import invite

    invitation = run_command(lambda: invite(None, email, name, role))
    config = current_app.config
    where = f"through {config['MAIL_SERVER']}" if config["MAIL_SERVER"] else "to the outbox folder (no MAIL_SERVER)"
    click.echo(f"Invited {invitation.user.email} as {role}: the job worker emails the link {where}; "
               f"it works for {config['INVITATION_HOURS']} hours.")


@users_cli.command("ensure-admin")
def users_ensure_admin_command():
    """Create a first admin if there is no account (TRACKER_ADMIN_EMAIL / TRACKER_ADMIN_PASSWORD, or generated)."""
    from .auth.services import count_users, create_user

    if count_users():
        return
    email = os.environ.get("TRACKER_ADMIN_EMAIL") or "admin@metropolis.local"
    password = os.environ.get("TRACKER_ADMIN_PASSWORD")
    generated = not password
    password = password or secrets.token_urlsafe(12)
    run_command(lambda: create_user(None, email, "Administrator", "admin", password))
    click.echo("=" * 60)
    click.echo("First administrator created. Log in at http://127.0.0.1:%s/login with" % os.environ.get("PORT", "5000"))
    click.echo(f"  email:    {email}")
    click.echo(f"  password: {password}" if generated else "  password: (the one in TRACKER_ADMIN_PASSWORD)")
    click.echo("At the first login you choose your own password, then set up the second factor (an authenticator")
    click.echo("app on your phone): an administrator's account needs both.")
    click.echo("=" * 60)


@users_cli.command("list")
def users_list_command():
    """List the accounts."""
    from sqlalchemy import select

    from .auth.models import User

    for user in db.session.scalars(select(User).order_by(User.email)):
        click.echo(f"{user.email}\t{user.role}\t{'active' if user.active else 'inactive'}\t{user.name}")


@users_cli.command("purge")
def users_purge_command():
    """Delete login sessions that ended over 30 days ago and login counters whose window is over (run daily)."""
    from .auth import sessions
    from .core.ratelimit import purge_expired

    ended, counters = run_command(lambda: (sessions.purge(), purge_expired()))
    click.echo(f"Deleted {ended} ended session(s) and {counters} expired login counter(s).")


@users_cli.command("reset-second-factor")
@click.argument("email")
def users_reset_second_factor_command(email: str):
    """Turn off a user's lost second factor (they set it up again at their next login)."""
    from .auth import second_factor
    from .auth.services import find_user_by_email
    from .core.errors import Invalid

    def reset():
        user = find_user_by_email(email)
        if user is None:
            raise Invalid(f"There is no account for {email}.")
        second_factor.reset(None, user)

    run_command(reset)
    click.echo(f"The second factor of {email} is off; it is set up again at the next login.")


@jobs_cli.command("worker")
@click.option("--workers", "-w", default=2, show_default=True, help="Jobs run at once (threads).")
@click.option("--periodic/--no-periodic", default=True, show_default=True,
              help="Also run the scheduler (the daily digest, the sweeps): in exactly one worker service.")
def jobs_worker_command(workers: int, periodic: bool):
    """Run the jobs of the queue (Huey's consumer) in this app's configuration until stopped (Ctrl+C, SIGTERM)."""
    import logging

    from huey.consumer_options import ConsumerConfig

    from .core import jobs

    if jobs.queue.immediate:
        raise click.ClickException("JOBS_IMMEDIATE is on: jobs run where they are enqueued; a worker has no work.")
    # An idle worker asks the queue at least every second (Huey's default backs off to 10 s): a report clicked
    # after a quiet spell starts at once. With Redis a worker blocks on the queue and wakes on the job anyway.
    config = ConsumerConfig(workers=workers, periodic=periodic, worker_type="thread", check_worker_health=True,
                            max_delay=1.0)
    config.validate()
    config.setup_logger(logging.getLogger("huey"))
    click.echo(f"Job worker: {workers} thread(s), scheduler {'on' if periodic else 'off'}, {jobs.describe()}.")
    jobs.queue.create_consumer(**config.values).run()


@jobs_cli.command("status")
def jobs_status_command():
    """Print how many jobs wait in the queue and how many are scheduled for later (retries)."""
    from .core import jobs

    click.echo(f"{jobs.describe()}: {jobs.queue.pending_count()} waiting, {jobs.queue.scheduled_count()} scheduled.")


# Features add commands to these groups from their own cli modules, imported here.
def register(app: Flask) -> None:
    """Attach the command groups to the app."""
    import importlib

    demo_cli = importlib.import_module(".demo.cli", __package__)
    seed_cli.add_command(demo_cli.seed_demo_command)
    seed_cli.add_command(demo_cli.demo_code_command)
    for group in (seed_cli, plan_cli, users_cli, jobs_cli):
        app.cli.add_command(group)
    app.cli.add_command(importlib.import_module(".activities.cli", __package__).activities_cli)
    app.cli.add_command(importlib.import_module(".reports.cli", __package__).report_cli)
    backup_cli = importlib.import_module(".backup.cli", __package__)
    app.cli.add_command(backup_cli.backup_command)
    app.cli.add_command(backup_cli.restore_command)
    app.cli.add_command(backup_cli.keys_command)
