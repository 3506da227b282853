"""Command of the demo: `seed demo` (the app adds it to the `seed` group)."""
import os
import time

import click
from flask import current_app

from ..core.transaction import run_command

PRODUCTION_REFUSAL = ("`seed demo` does not run in production (TRACKER_ENV=production): it would add demo accounts "
                      "with a shared, published password and made-up activities to the real record. Load it into a "
                      "development or test instance instead.")


@click.command("demo")
@click.option("--activities", "count", type=click.IntRange(min=0, max=1_000_000), default=None,
              help="Instead of the demo record, top the synthetic set up to N activities (for benchmarks).")
@click.option("--seed", "rng_seed", type=int, default=1, show_default=True, help="Random seed of the synthetic set.")
def seed_demo_command(count: int | None, rng_seed: int):
    """Fill a realistic 2021-2023 demo record (marked as demo), or N synthetic activities; safe to run again."""
    # The app's configuration says which it is; the variable too, should an app be built otherwise under it.
    if "production" in (current_app.config.get("TRACKER_ENV"), os.environ.get("TRACKER_ENV")):
        raise click.ClickException(PRODUCTION_REFUSAL)
    from ..notifications.services import as_history
    from .seed import DEMO_TOTP_SECRET, DEMO_USERS, demo_password, seed_demo
    from .synthetic import seed_synthetic, synthetic_count

    started = time.perf_counter()
    # The demo's reviews and assignments are its past: their notifications are on the lists, never emailed.
    created = run_command(lambda: as_history(
        lambda: seed_synthetic(count, seed=rng_seed) if count is not None else seed_demo()))
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
    click.echo(f"The administrator and the Secretary General also need a second factor: add the key "
               f"{DEMO_TOTP_SECRET} to an authenticator app, or run `flask seed demo-code` for the current code.")


@click.command("demo-code")
def demo_code_command():
    """Print the current second-factor code of the demo's administrator and Secretary General."""
    import pyotp

    from .seed import DEMO_TOTP_SECRET

    click.echo(pyotp.TOTP(DEMO_TOTP_SECRET).now())
