"""Commands of the backup feature: `flask --app wsgi backup PATH` and `flask --app wsgi restore PATH`."""
from pathlib import Path

import click
from flask.cli import with_appcontext

from .services import BackupError, create_backup, restore_backup


def _summary(manifest: dict) -> str:
    """Rows and files of a manifest, in a few words."""
    rows = sum(manifest["tables"].values())
    size = sum(entry["size"] for entry in manifest["files"])
    return (f"{rows} rows in {len(manifest['tables'])} tables ({manifest['dialect']}, revision "
            f"{manifest['alembic_revision'] or 'none'}), {len(manifest['files'])} evidence files ({size:,} bytes)")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def backup_command(path: Path):
    """Write one archive with a consistent copy of the database and every evidence file, with their hashes."""
    try:
        manifest = create_backup(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written to {path}: {_summary(manifest)}.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option("--force", is_flag=True, help="Restore even though the instance already holds data (it is replaced).")
@with_appcontext
def restore_command(path: Path, force: bool):
    """Restore an archive into an empty instance, verifying every file's hash first (stop the server before)."""
    try:
        manifest = restore_backup(path, force=force)
    except BackupError as error:
        raise click.ClickException(f"{error}\nRestore failed.") from error
    click.echo(f"Restored {path}: {_summary(manifest)}; every hash verified.")
    click.echo("If this code is newer than the backup, run `flask --app wsgi db upgrade` next.")
