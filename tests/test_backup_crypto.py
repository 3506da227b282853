"""Encrypted and signed backups: they round-trip; a wrong key, an altered byte or a forged manifest is refused first."""
import base64
import io
import json
import stat
import tarfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select, text

from config import Config
from tracker.auth.models import User
from tracker.backup import crypto
from tracker.backup.errors import BackupError
from tracker.extensions import db

from . import test_backup
from .test_backup import _everything, _flip_byte, _is_empty, _rewrite_archive

# The plain backup tests' fixtures: a populated instance, and fresh empty ones to restore into.
populated, fresh_instance = test_backup.populated, test_backup.fresh_instance

PASSPHRASE = "a long and rather random passphrase"


@pytest.fixture
def keys(runner, tmp_path):
    """`flask backup-keys` into a folder: the four key files by name."""
    folder = tmp_path / "keys"
    result = runner.invoke(args=["backup-keys", str(folder)])
    assert result.exit_code == 0, result.output
    return {path.name: path for path in folder.iterdir()}


@pytest.fixture
def other_keys(runner, tmp_path):
    """A second, unrelated set of keys."""
    folder = tmp_path / "other-keys"
    assert runner.invoke(args=["backup-keys", str(folder)]).exit_code == 0
    return {path.name: path for path in folder.iterdir()}


def _secret_file(tmp_path, text: str, name: str = "passphrase") -> Path:
    path = tmp_path / name
    path.write_text(text + "\n")
    return path


def _backup(runner, path: Path, *extra):
    result = runner.invoke(args=["backup", str(path), *extra])
    assert result.exit_code == 0, result.output
    return result


def _restore(instance, path: Path, *extra):
    with instance.app_context():
        try:
            return instance.test_cli_runner().invoke(args=["restore", str(path), *extra])
        finally:
            db.session.remove()


def _refused(instance, path: Path, *extra, message: str) -> None:
    """The restore fails with the message, and the (empty) instance is left exactly as it was."""
    result = _restore(instance, path, *extra)
    assert result.exit_code != 0
    assert message in result.output and "Restore failed" in result.output, result.output
    assert "Traceback" not in result.output
    assert _is_empty(instance)
    assert not any(".restore-" in p.name for p in Path(instance.config["EVIDENCE_FOLDER"]).parent.iterdir())


# ---------------------------------------------------------------------------------------------------------------
# A passphrase


def test_passphrase_round_trip(app, runner, populated, fresh_instance, tmp_path, monkeypatch):
    archive = tmp_path / "b.enc"
    output = _backup(runner, archive, "--passphrase-file", str(_secret_file(tmp_path, PASSPHRASE))).output
    assert "encrypted with a passphrase" in output
    data = archive.read_bytes()
    assert data.startswith(crypto.MAGIC) and b"manifest.json" not in data
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    with archive.open("rb") as handle:
        assert crypto.read_header(handle).scrypt()[0] == 10  # BACKUP_SCRYPT_N of the tests; production's is 2**17
    with pytest.raises(tarfile.TarError):
        tarfile.open(archive, "r:*")

    target = fresh_instance()
    monkeypatch.setenv("BACKUP_PASSPHRASE", PASSPHRASE)  # the other way to give it
    result = _restore(target, archive)
    assert result.exit_code == 0, result.output
    assert _everything(target) == _everything()


def test_production_scrypt_cost_is_strong():
    assert Config.BACKUP_SCRYPT_N >= 2**17 and crypto.DEFAULT_SCRYPT_N >= 2**17


def test_wrong_or_missing_passphrase_is_refused_and_changes_nothing(app, runner, populated,
                                                                     fresh_instance, tmp_path):
    archive = tmp_path / "b.enc"
    _backup(runner, archive, "--passphrase-file", str(_secret_file(tmp_path, PASSPHRASE)))
    target = fresh_instance()
    _refused(target, archive, "--passphrase-file", str(_secret_file(tmp_path, PASSPHRASE + "!", "wrong")),
             message="The passphrase is wrong")
    _refused(target, archive, message="encrypted with a passphrase: give it with --passphrase-file")

    # Over an instance holding data, with --force: a wrong passphrase leaves its data as it was.
    with target.app_context():
        db.create_all()
        db.session.add(User(email="keep@example.org", name="Keep", role="admin", password_hash="x"))
        db.session.commit()
        db.session.remove()
    result = _restore(target, archive, "--force", "--passphrase-file", str(_secret_file(tmp_path, "nope" * 4, "n")))
    assert result.exit_code != 0 and "The passphrase is wrong" in result.output
    with target.app_context():
        assert [u.email for u in db.session.scalars(select(User))] == ["keep@example.org"]
        db.session.remove()


def test_passphrase_never_on_the_command_line_and_never_short(app, runner, populated, tmp_path):
    archive = tmp_path / "b.enc"
    result = runner.invoke(args=["backup", str(archive), "--passphrase", PASSPHRASE])
    assert result.exit_code == 2 and "No such option" in result.output
    result = runner.invoke(args=["backup", str(archive), "--passphrase-file", str(_secret_file(tmp_path, "short"))])
    assert result.exit_code != 0 and "too short" in result.output
    assert not archive.exists() and [p for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


# ---------------------------------------------------------------------------------------------------------------
# A public key


def test_key_files_are_private(runner, keys, tmp_path):
    assert set(keys) == {"backup-encryption.key", "backup-encryption.pub", "backup-signing.key", "backup-signing.pub"}
    for name, path in keys.items():
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o600 if name.endswith(".key") else 0o644), (name, oct(mode))
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert isinstance(crypto.load_identity(keys["backup-encryption.key"]), X25519PrivateKey)
    assert isinstance(crypto.load_sign_key(keys["backup-signing.key"]), Ed25519PrivateKey)

    before = {name: path.read_bytes() for name, path in keys.items()}
    again = runner.invoke(args=["backup-keys", str(tmp_path / "keys")])
    assert again.exit_code != 0 and "never overwritten" in again.output
    assert {name: path.read_bytes() for name, path in keys.items()} == before


def test_public_key_round_trip(app, runner, populated, fresh_instance, keys, tmp_path):
    archive = tmp_path / "b.enc"
    output = _backup(runner, archive, "--recipient", str(keys["backup-encryption.pub"])).output
    assert "encrypted to key" in output
    assert archive.read_bytes().startswith(crypto.MAGIC)
    target = fresh_instance()
    result = _restore(target, archive, "--identity", str(keys["backup-encryption.key"]))
    assert result.exit_code == 0, result.output
    assert _everything(target) == _everything()


def test_raw_base64_keys_are_accepted(app, runner, populated, fresh_instance, tmp_path):
    identity = X25519PrivateKey.generate()
    raw = serialization.Encoding.Raw
    public = tmp_path / "recipient.b64"
    public.write_text(base64.b64encode(identity.public_key().public_bytes(raw, serialization.PublicFormat.Raw))
                      .decode() + "\n")
    private = tmp_path / "identity.b64"
    private.write_text(base64.b64encode(identity.private_bytes(raw, serialization.PrivateFormat.Raw,
                                                               serialization.NoEncryption())).decode())
    archive = tmp_path / "b.enc"
    _backup(runner, archive, "--recipient", str(public))
    target = fresh_instance()
    assert _restore(target, archive, "--identity", str(private)).exit_code == 0
    assert _everything(target) == _everything()


def test_wrong_or_missing_identity_is_refused(app, runner, populated, fresh_instance, keys, other_keys,
                                              tmp_path):
    archive = tmp_path / "b.enc"
    _backup(runner, archive, "--recipient", str(keys["backup-encryption.pub"]))
    target = fresh_instance()
    _refused(target, archive, "--identity", str(other_keys["backup-encryption.key"]),
             message="the identity given is the private key of")
    _refused(target, archive, message="give its private key with --identity")
    _refused(target, archive, "--identity", str(keys["backup-signing.key"]), message="needs an X25519 private key")
    _refused(target, archive, "--passphrase-file", str(_secret_file(tmp_path, PASSPHRASE)),
             message="give its private key with --identity")


def test_a_key_of_the_wrong_kind_is_refused_before_any_backup(app, runner, populated, keys, tmp_path):
    archive = tmp_path / "b.enc"
    for option, key, message in (("--recipient", "backup-signing.pub", "needs an X25519 public key"),
                                 ("--sign-key", "backup-encryption.key", "needs an Ed25519 private key"),
                                 ("--sign-key", "backup-signing.pub", "not a readable Ed25519 private key")):
        result = runner.invoke(args=["backup", str(archive), option, str(keys[key])])
        assert result.exit_code != 0 and message in result.output, result.output
    result = runner.invoke(args=["backup", str(archive), "--recipient", str(keys["backup-encryption.pub"]),
                                 "--passphrase-file", str(_secret_file(tmp_path, PASSPHRASE))])
    assert result.exit_code != 0 and "not both" in result.output
    assert list(tmp_path.glob("*b.enc*")) == []


# ---------------------------------------------------------------------------------------------------------------
# Altered ciphertext


def _frames(data: bytes) -> tuple[bytes, list[bytes]]:
    """An encrypted file's header and its chunk frames (flag, length and ciphertext each)."""
    with io.BytesIO(data) as handle:
        header = crypto.read_header(handle)
        frames = []
        while frame := handle.read(5):
            length = int.from_bytes(frame[1:], "big")
            frames.append(frame + handle.read(length))
    return header.body + header.mac, frames


def _alterations(data: bytes) -> dict[str, tuple[bytes, str]]:
    header, frames = _frames(data)
    body = header + b"".join(frames)
    assert body == data
    return {
        "a ciphertext byte flipped": (_flip_byte(data, len(data) // 2), "altered or damaged at chunk"),
        "the last bytes cut off": (data[:-100], "truncated"),
        "the final chunk dropped": (header + b"".join(frames[:-1]), "truncated"),
        "bytes appended": (data + b"more", "data after its last chunk"),
        "a header byte flipped": (_flip_byte(data, len(crypto.MAGIC) + 10), "header was altered"),
        "the magic and header only": (header, "truncated"),
    }


@pytest.mark.parametrize("how", ["a ciphertext byte flipped", "the last bytes cut off", "the final chunk dropped",
                                 "bytes appended", "a header byte flipped", "the magic and header only"])
def test_altered_ciphertext_is_refused(app, runner, populated, fresh_instance, tmp_path, how):
    archive = tmp_path / "b.enc"
    _backup(runner, archive, "--passphrase-file", str(_secret_file(tmp_path, PASSPHRASE)))
    altered, message = _alterations(archive.read_bytes())[how]
    tampered = tmp_path / "tampered.enc"
    tampered.write_bytes(altered)
    _refused(fresh_instance(), tampered, "--passphrase-file", str(tmp_path / "passphrase"), message=message)


def _sealed(data: bytes, chunk_size: int = 64, **how) -> bytes:
    out = io.BytesIO()
    with crypto.Sealing(chunk_size=chunk_size, scrypt_n=2**4, **how).writer(out) as writer:
        for start in range(0, len(data), 7):  # small writes, as gzip makes them
            writer.write(data[start:start + 7])
            assert len(writer.buffer) <= chunk_size  # never more than a chunk in memory, whatever the size
    return out.getvalue()


def _opened(data: bytes, **how) -> bytes:
    handle, out = io.BytesIO(data), io.BytesIO()
    header = crypto.read_header(handle)
    crypto.decrypt(handle, header, crypto.unlock(header, **how), out)
    return out.getvalue()


@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 64 * 5, 64 * 5 + 3])
def test_the_chunk_stream_round_trips_every_length(size):
    plain = bytes(range(256)) * 2
    plain = plain[:size]
    sealed = _sealed(plain, passphrase=PASSPHRASE.encode())
    assert _opened(sealed, passphrase=PASSPHRASE.encode()) == plain
    assert len(_frames(sealed)[1]) == max(1, -(-size // 64))  # whole chunks, the last one marked final


def test_chunks_cannot_be_reordered_dropped_or_mixed_between_files():
    identity = X25519PrivateKey.generate()
    plain = bytes(range(256)) * 2  # eight chunks of 64 bytes
    sealed = _sealed(plain, recipient=identity.public_key())
    header, frames = _frames(sealed)
    other_header, other_frames = _frames(_sealed(plain, recipient=identity.public_key()))
    cases = {
        "swapped": header + b"".join([frames[1], frames[0], *frames[2:]]),
        "middle dropped": header + b"".join(frames[:3] + frames[4:]),
        "chunk from another file": header + b"".join([other_frames[0], *frames[1:]]),
        "cut at a chunk, relabelled final": header + b"".join(frames[:6]) + b"\x01" + frames[6][1:],
        "other header": other_header + b"".join(frames),
    }
    for data in cases.values():
        with pytest.raises(BackupError, match="altered or damaged at chunk"):
            _opened(data, identity=identity)
    assert _opened(header + b"".join(frames), identity=identity) == plain


def test_hostile_scrypt_parameters_are_refused_before_any_work():
    sealed = bytearray(_sealed(b"x", passphrase=PASSPHRASE.encode()))
    sealed[len(crypto.MAGIC) + crypto._FIXED.size] = 40  # log2(n): 2**40 blocks would take terabytes
    with pytest.raises(BackupError, match="unreasonable scrypt parameters"):
        _opened(bytes(sealed), passphrase=PASSPHRASE.encode())


# ---------------------------------------------------------------------------------------------------------------
# Signatures


def test_signed_backup_restores_with_its_verify_key(app, runner, populated, fresh_instance, keys,
                                                    tmp_path):
    archive = tmp_path / "b.tar.gz"
    assert "signed by key" in _backup(runner, archive, "--sign-key", str(keys["backup-signing.key"])).output
    with tarfile.open(archive, "r:gz") as opened:
        assert opened.getnames()[:2] == ["manifest.json", "manifest.sig"]
        signature = json.loads(opened.extractfile("manifest.sig").read())
    assert signature["key"] == crypto.fingerprint(crypto.load_verify_key(keys["backup-signing.pub"]))
    target = fresh_instance()
    result = _restore(target, archive, "--verify-key", str(keys["backup-signing.pub"]))
    assert result.exit_code == 0, result.output
    assert "signature by key" in result.output and "not checked" not in result.output
    assert _everything(target) == _everything()


def test_restore_without_a_verify_key_warns(app, runner, populated, fresh_instance, keys, tmp_path):
    archive = tmp_path / "b.tar.gz"
    _backup(runner, archive, "--sign-key", str(keys["backup-signing.key"]))
    result = _restore(fresh_instance(), archive)
    assert result.exit_code == 0, result.output
    assert "origin was not checked" in result.stderr


def _with_manifest(source: Path, target: Path, edit) -> None:
    """Copy a signed archive, editing its manifest (and members) but keeping its signature."""
    def change(info, data):
        if info.name == "manifest.json":
            manifest = json.loads(data)
            edit(manifest)
            return info, json.dumps(manifest, indent=2).encode()
        return info, data
    _rewrite_archive(source, target, change)


def _bump_created_at(manifest):
    manifest["created_at"] = "2020-01-01T00:00:00+00:00"


def test_tampered_manifest_is_refused(app, runner, populated, fresh_instance, keys, tmp_path):
    archive, tampered = tmp_path / "b.tar.gz", tmp_path / "tampered.tar.gz"
    _backup(runner, archive, "--sign-key", str(keys["backup-signing.key"]))
    _with_manifest(archive, tampered, _bump_created_at)
    _refused(fresh_instance(), tampered, "--verify-key", str(keys["backup-signing.pub"]),
             message="The manifest's signature is wrong")


def test_a_swapped_member_is_refused(app, runner, populated, fresh_instance, keys, tmp_path,
                                     make_activity):
    """Another backup's database copy, with the manifest's hash rewritten to match: the signature no longer holds."""
    original, later = tmp_path / "b.tar.gz", tmp_path / "later.tar.gz"
    _backup(runner, original, "--sign-key", str(keys["backup-signing.key"]))
    make_activity(title="Slipped in")
    _backup(runner, later, "--sign-key", str(keys["backup-signing.key"]))
    with tarfile.open(later, "r:gz") as opened:
        later_manifest = json.loads(opened.extractfile("manifest.json").read())
        later_database = opened.extractfile(later_manifest["database"]["path"]).read()
    swapped = tmp_path / "swapped.tar.gz"

    def change(info, data):
        if info.name == "manifest.json":
            manifest = json.loads(data)
            manifest["database"], manifest["tables"] = later_manifest["database"], later_manifest["tables"]
            return info, json.dumps(manifest, indent=2).encode()
        return (info, later_database) if info.name == later_manifest["database"]["path"] else (info, data)

    _rewrite_archive(original, swapped, change)
    target = fresh_instance()
    _refused(target, swapped, "--verify-key", str(keys["backup-signing.pub"]),
             message="The manifest's signature is wrong")
    # The same file without a verify key: its hashes are consistent, so only the signature could catch it.
    result = _restore(target, swapped)
    assert result.exit_code == 0, result.output
    with target.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM activity WHERE title = 'Slipped in'")) == 1
        db.session.remove()


def test_a_signature_by_another_key_is_refused(app, runner, populated, fresh_instance, keys, other_keys,
                                               tmp_path):
    archive = tmp_path / "b.tar.gz"
    _backup(runner, archive, "--sign-key", str(other_keys["backup-signing.key"]))
    _refused(fresh_instance(), archive, "--verify-key", str(keys["backup-signing.pub"]),
             message="not by the verify key")


def _drop_signature(info, data):
    return None if info.name == "manifest.sig" else (info, data)


def _forge_signature(info, data):
    if info.name != "manifest.sig":
        return info, data
    signature = json.loads(data)
    signature["signature"] = base64.b64encode(bytes(64)).decode()
    return info, json.dumps(signature).encode()


@pytest.mark.parametrize("change,message", [(_drop_signature, "The archive is not signed"),
                                            (_forge_signature, "The manifest's signature is wrong"),
                                            (None, "The archive is not signed")])
def test_configured_verify_key_makes_the_signature_mandatory(app, runner, populated, fresh_instance,
                                                             keys, tmp_path, change, message):
    archive, tampered = tmp_path / "b.tar.gz", tmp_path / "tampered.tar.gz"
    if change is None:  # never signed at all
        _backup(runner, tampered)
    else:
        _backup(runner, archive, "--sign-key", str(keys["backup-signing.key"]))
        _rewrite_archive(archive, tampered, change)
    target = fresh_instance()
    target.config["BACKUP_VERIFY_KEY"] = str(keys["backup-signing.pub"])
    _refused(target, tampered, message=message)


def test_backup_warns_when_restores_require_a_signature(app, runner, populated, keys, tmp_path):
    app.config["BACKUP_VERIFY_KEY"] = str(keys["backup-signing.pub"])
    try:
        result = _backup(runner, tmp_path / "b.tar.gz")
    finally:
        app.config["BACKUP_VERIFY_KEY"] = None
    assert "this one is not signed" in result.stderr


def test_production_setup_encrypted_to_a_key_signed_and_verified(app, runner, populated, fresh_instance,
                                                                  keys, tmp_path):
    """Encrypted to an offline key, signed on the server, verified by BACKUP_VERIFY_KEY at restore."""
    archive = tmp_path / "nightly.enc"
    _backup(runner, archive, "--recipient", str(keys["backup-encryption.pub"]),
            "--sign-key", str(keys["backup-signing.key"]))
    target = fresh_instance()
    target.config["BACKUP_VERIFY_KEY"] = str(keys["backup-signing.pub"])
    result = _restore(target, archive, "--identity", str(keys["backup-encryption.key"]))
    assert result.exit_code == 0, result.output
    assert "signature by key" in result.output and "not checked" not in result.output
    assert _everything(target) == _everything()
