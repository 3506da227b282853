"""Commands of the backup feature: `flask --app wsgi backup PATH`, `restore PATH` and `backup-keys DIR`."""
import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from . import crypto
from .services import BackupError, configured_verify_key, create_backup, restore_backup

_KEY_FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


def _summary(manifest: dict) -> str:
    """Rows and files of a manifest, in a few words."""
    rows = sum(manifest["tables"].values())
    size = sum(entry["size"] for entry in manifest["files"])
    return (f"{rows} rows in {len(manifest['tables'])} tables ({manifest['dialect']}, revision "
            f"{manifest['alembic_revision'] or 'none'}), {len(manifest['files'])} evidence files ({size:,} bytes)")


def _passphrase(path: Path | None, environment: bool = True) -> bytes | None:
    """The passphrase: the first line of --passphrase-file, else BACKUP_PASSPHRASE; never an argument `ps` shows."""
    if path is not None:
        try:
            return path.read_bytes().split(b"\n", 1)[0].rstrip(b"\r")
        except OSError as error:
            raise BackupError(f"Cannot read the passphrase file {path}: {error.strerror}.") from None
    value = os.environ.get("BACKUP_PASSPHRASE") if environment else None
    return value.encode() if value else None


def _how(passphrase: bytes | None, recipient, sign_key) -> str:
    """How a backup was protected, in words."""
    parts = []
    if recipient is not None:
        parts.append(f"encrypted to key {crypto.fingerprint(recipient)[:16]}")
    elif passphrase is not None:
        parts.append("encrypted with a passphrase")
    if sign_key is not None:
        parts.append(f"signed by key {crypto.fingerprint(sign_key.public_key())[:16]}")
    return f" ({', '.join(parts)})" if parts else ""


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--passphrase-file", type=_KEY_FILE,
              help="Encrypt under the passphrase on this file's first line (or set BACKUP_PASSPHRASE).")
@click.option("--recipient", type=_KEY_FILE,
              help="Encrypt to this X25519 public key (PEM or base64); only its private key can restore.")
@click.option("--sign-key", type=_KEY_FILE, help="Sign the manifest with this Ed25519 private key (PEM or base64).")
@with_appcontext
def backup_command(path: Path, passphrase_file: Path | None, recipient: Path | None, sign_key: Path | None):
    """Write one archive with a consistent copy of the database and every evidence file, with their hashes."""
    try:
        if passphrase_file and recipient:
            raise BackupError("Give --passphrase-file or --recipient, not both.")
        # BACKUP_PASSPHRASE applies unless a public key is named: a recipient given on purpose wins.
        passphrase = _passphrase(passphrase_file, environment=recipient is None)
        public_key = crypto.load_recipient(recipient) if recipient else None
        private_key = crypto.load_sign_key(sign_key) if sign_key else None
        manifest = create_backup(path, passphrase=passphrase, recipient=public_key, sign_key=private_key)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written to {path}{_how(passphrase, public_key, private_key)}: {_summary(manifest)}.")
    if private_key is None and current_app.config.get("BACKUP_VERIFY_KEY"):
        click.echo("Warning: this instance restores only signed backups (BACKUP_VERIFY_KEY) and this one is not "
                   "signed: pass --sign-key.", err=True)


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option("--force", is_flag=True, help="Restore even though the instance already holds data (it is replaced).")
@click.option("--passphrase-file", type=_KEY_FILE,
              help="The passphrase of an encrypted backup, on this file's first line (or set BACKUP_PASSPHRASE).")
@click.option("--identity", type=_KEY_FILE, help="The X25519 private key a backup was encrypted to.")
@click.option("--verify-key", type=_KEY_FILE,
              help="Refuse the backup unless its manifest is signed by this Ed25519 public key (default: "
                   "BACKUP_VERIFY_KEY).")
@with_appcontext
def restore_command(path: Path, force: bool, passphrase_file: Path | None, identity: Path | None,
                    verify_key: Path | None):
    """Restore an archive into an empty instance, verifying every file's hash first (stop the server before)."""
    try:
        key = crypto.load_verify_key(verify_key) if verify_key else configured_verify_key()
        manifest = restore_backup(path, force=force, passphrase=_passphrase(passphrase_file),
                                  identity=crypto.load_identity(identity) if identity else None, verify_key=key)
    except BackupError as error:
        raise click.ClickException(f"{error}\nRestore failed.") from error
    signed = f", signature by key {crypto.fingerprint(key)[:16]} verified" if key is not None else ""
    click.echo(f"Restored {path}: {_summary(manifest)}; every hash verified{signed}.")
    if key is None:
        click.echo("Warning: the backup's origin was not checked (no --verify-key, no BACKUP_VERIFY_KEY): anyone "
                   "who could write the file could have made it.", err=True)
    click.echo("If this code is newer than the backup, run `flask --app wsgi db upgrade` next.")


@click.command("backup-keys")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def keys_command(folder: Path):
    """Generate an X25519 key pair (encryption) and an Ed25519 key pair (signing) for backups; private keys 0600."""
    try:
        made = crypto.generate_keys(folder)
    except (BackupError, OSError) as error:
        raise click.ClickException(str(error)) from error
    (enc_key, enc_pub, enc_fp), (sign_key, sign_pub, sign_fp) = made["encryption"], made["signing"]
    click.echo(f"Encryption (X25519, fingerprint {enc_fp[:16]}): backup --recipient {enc_pub}; restore --identity "
               f"{enc_key}. Keep {enc_key.name} off this server (offline, or on the machine that restores).")
    click.echo(f"Signing (Ed25519, fingerprint {sign_fp[:16]}): backup --sign-key {sign_key} (stays on this server); "
               f"restore --verify-key {sign_pub}, or set BACKUP_VERIFY_KEY={sign_pub}.")
