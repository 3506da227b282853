"""Commands of the activities feature: `activities export`."""
import sys

import click
from flask.cli import AppGroup

activities_cli = AppGroup("activities", help="Export the activity log.")


@activities_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "xlsx"]), default="csv", show_default=True,
              help="xlsx: a workbook with typed cells (dates, numbers) and a frozen, filtered header.")
@click.option("--year", type=click.IntRange(min=2015, max=2030), default=None, help="Only this plan year.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default="-",
              help="File to write (default: standard output).")
def export_command(fmt: str, year: int | None, output: str):
    """Write every activity (not deleted) with its outcome codes, members, partners and participants."""
    from .export import export

    binary = fmt == "xlsx"
    if output == "-":
        if binary and sys.stdout.isatty():
            raise click.UsageError("A workbook is binary: give --output FILE or redirect standard output.")
        export(sys.stdout.buffer if binary else sys.stdout, fmt, year)
        return
    # The csv module writes its own line ends; a workbook is bytes.
    with open(output, "wb") if binary else open(output, "w", encoding="utf-8", newline="") as out:
        count = export(out, fmt, year)
    click.echo(f"{count} activities written to {output}.", err=True)
