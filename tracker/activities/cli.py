"""Commands of the activities feature: `seed demo` and `activities export`."""
import os
import sys
import time

import click
from flask.cli import AppGroup

from ..cli import seed_cli
from ..extensions import db

activities_cli = AppGroup("activities", help="Export the activity log.")


@seed_cli.command("demo")
@click.option("--activities", "count", type=click.IntRange(min=0, max=1_000_000), default=None,
              help="Instead of the demo record, top the synthetic set up to N activities (for benchmarks).")
@click.option("--seed", "rng_seed", type=int, default=1, show_default=True, help="Random seed of the synthetic set.")
def seed_demo_command(count: int | None, rng_seed: int):
    """Fill a realistic 2021-2023 demo record (marked as demo), or N synthetic activities; safe to run again."""
    from .demo import DEMO_USERS, PlanMissing, demo_password, seed_demo, seed_synthetic, synthetic_count

    started = time.perf_counter()
    try:
        created = seed_synthetic(count, seed=rng_seed) if count is not None else seed_demo()
    except PlanMissing as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    if count is not None:
        click.echo(f"Synthetic activities: {created} created, {synthetic_count()} in all "
                   f"({time.perf_counter() - started:.1f} s).")
        return
    if any(created.values()):
        click.echo("Demo data created: " + ", ".join(f"{n} {kind}" for kind, n in created.items() if n) + ".")
    else:
        click.echo("Demo data already present: nothing created.")
    password = "the one in TRACKER_DEMO_PASSWORD" if os.environ.get("TRACKER_DEMO_PASSWORD") else demo_password()
    click.echo(f"Demo logins (password: {password}):")
    for email, name, role in DEMO_USERS:
        click.echo(f"  {email:<36} {role:<18} {name}")


@activities_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--year", type=click.IntRange(min=2015, max=2030), default=None, help="Only this plan year.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default="-",
              help="File to write (default: standard output).")
def export_command(fmt: str, year: int | None, output: str):
    """Write every activity (not deleted) with its outcome codes, members, partners and participants."""
    from .export import export

    if output == "-":
        export(sys.stdout, fmt, year)
        return
    with open(output, "w", encoding="utf-8", newline="") as out:  # the csv module writes its own line ends
        count = export(out, fmt, year)
    click.echo(f"{count} activities written to {output}.", err=True)
