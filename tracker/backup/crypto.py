"""Encryption and signing of backup archives, with the `cryptography` package.

An encrypted backup (format 1; integers big-endian):
  header  MAGIC, version u8, kind u8 (1 passphrase, 2 public key), chunk size u32, base nonce (12 bytes), then
          passphrase: scrypt log2(n) u8, r u8, p u8, salt (16 bytes);  public key: the ephemeral X25519 public key
          and the recipient's (32 bytes each); then an HMAC-SHA256 of all of that (32 bytes).
  chunks  final flag u8, length u32, AES-256-GCM ciphertext and tag of one chunk of the .tar.gz.
scrypt(passphrase) or X25519(ephemeral, recipient) gives a secret; HKDF-SHA256 of it salted with the header gives the
content key and the header's MAC key, so a wrong passphrase or key fails the MAC before any content is read, and an
altered header gives other keys. Chunk i is sealed with nonce = base nonce XOR i and the header MAC, i and the final
flag as associated data: a chunk cannot be altered, moved, dropped or taken from another file, and a stream that
ends before its final chunk is refused.

A signature is Ed25519 over a fixed prefix and the manifest's exact bytes, kept in manifest.sig with the signer's
fingerprint; the manifest holds every member's SHA-256, so it covers the whole archive.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .errors import BackupError

MAGIC = b"\x89TRACKER-BACKUP\r\n\x1a\n"  # never the start of a .tar.gz; the line ends catch a text-mode copy
VERSION = 1
PASSPHRASE, PUBLIC_KEY = 1, 2
CHUNK_SIZE = 1 << 20  # what sits in memory at once, whatever the backup's size
MAX_CHUNK_SIZE = 16 << 20
TAG_SIZE = 16
DEFAULT_SCRYPT_N = 1 << 17  # 128 MiB and about half a second per backup or restore
SCRYPT_R, SCRYPT_P = 8, 1
MAX_SCRYPT_MEMORY = 1 << 30  # a restore refuses a header asking for more (it could be hostile)
MIN_PASSPHRASE = 12
SIGNATURE_NAME = "manifest.sig"
MAX_SIGNATURE_SIZE = 4096

_FIXED = struct.Struct(">BBI12s")  # version, kind, chunk size, base nonce
_SCRYPT = struct.Struct(">BBB16s")  # log2(n), r, p, salt
_FRAME = struct.Struct(">BI")  # final flag, ciphertext length
_HKDF_INFO = b"tracker backup encryption v1"
_SIGNED_PREFIX = b"tracker backup manifest v1\x00"  # a signature made for anything else never verifies here
_NOTHING = "Nothing was restored."


# ---------------------------------------------------------------------------------------------------------------
# Keys


def _raw(public_key) -> bytes:
    """The 32 raw bytes of an X25519 or Ed25519 public key."""
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(public_key) -> str:
    """A public key's fingerprint: the SHA-256 of its raw bytes, in hex."""
    return hashlib.sha256(_raw(public_key)).hexdigest()


def _short(fingerprint_hex: str) -> str:
    """A fingerprint as shown in messages."""
    return fingerprint_hex[:16]


def _read_key_file(path: Path) -> bytes:
    """A key file's bytes, refusing one that cannot be read or is far too long to be a key."""
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(65537)
    except OSError as error:
        raise BackupError(f"Cannot read the key file {path}: {error.strerror}.") from None
    if len(data) > 65536:
        raise BackupError(f"{path} is too long to be a key file.")
    return data


def _load_key(path: Path, kind: type, private: bool):
    """A key of the given class from a PEM file or the base64 of its 32 raw bytes."""
    data = _read_key_file(path)
    algorithm = kind.__name__.removesuffix("PrivateKey").removesuffix("PublicKey")
    what = f"{algorithm} {'private' if private else 'public'} key"
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            key = (serialization.load_pem_private_key(data, password=None) if private
                   else serialization.load_pem_public_key(data))
        else:
            raw = base64.b64decode(data.strip(), validate=True)
            key = kind.from_private_bytes(raw) if private else kind.from_public_bytes(raw)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise BackupError(f"{path} is not a readable {what} (an unencrypted PEM file, or the base64 of its "
                          "32 bytes).") from None
    if not isinstance(key, kind):
        raise BackupError(f"{path} holds another kind of key: this option needs an {what}.")
    return key


def load_recipient(path: Path) -> X25519PublicKey:
    """The X25519 public key a backup is encrypted to."""
    return _load_key(path, X25519PublicKey, private=False)


def load_identity(path: Path) -> X25519PrivateKey:
    """The X25519 private key that opens a backup encrypted to its public key."""
    return _load_key(path, X25519PrivateKey, private=True)


def load_sign_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key that signs a backup's manifest."""
    return _load_key(path, Ed25519PrivateKey, private=True)


def load_verify_key(path: Path) -> Ed25519PublicKey:
    """The Ed25519 public key a restore checks the manifest's signature with."""
    return _load_key(path, Ed25519PublicKey, private=False)


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create a file that must not exist yet, with exactly this mode whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), mode)
        handle.write(data)


KEY_PAIRS = {"encryption": "backup-encryption", "signing": "backup-signing"}


def generate_keys(folder: Path) -> dict[str, tuple[Path, Path, str]]:
    """Write an X25519 and an Ed25519 key pair into folder (private keys 0600); never overwrite a file."""
    folder = Path(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    keys = {"encryption": X25519PrivateKey.generate(), "signing": Ed25519PrivateKey.generate()}
    paths = {use: (folder / f"{stem}.key", folder / f"{stem}.pub") for use, stem in KEY_PAIRS.items()}
    taken = [path for pair in paths.values() for path in pair if path.exists()]
    if taken:
        raise BackupError(f"{taken[0]} already exists: keys are never overwritten, choose another folder.")
    made = {}
    for use, key in keys.items():
        private_path, public_path = paths[use]
        _write_new(private_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()), 0o600)
        _write_new(public_path, key.public_key().public_bytes(serialization.Encoding.PEM,
                                                              serialization.PublicFormat.SubjectPublicKeyInfo), 0o644)
        made[use] = (private_path, public_path, fingerprint(key.public_key()))
    return made


# ---------------------------------------------------------------------------------------------------------------
# Signatures


def sign_manifest(manifest: bytes, key: Ed25519PrivateKey) -> bytes:
    """The manifest.sig member: the Ed25519 signature of the manifest's bytes and the signer's fingerprint."""
    signature = key.sign(_SIGNED_PREFIX + manifest)
    return json.dumps({"algorithm": "ed25519", "key": fingerprint(key.public_key()),
                       "signature": base64.b64encode(signature).decode()}, indent=2).encode()


def _parse_signature(data: bytes) -> tuple[str, bytes]:
    """The signer's fingerprint and the signature in a manifest.sig member."""
    try:
        parsed = json.loads(data)
        if parsed["algorithm"] != "ed25519":
            raise ValueError(parsed["algorithm"])
        return str(parsed["key"]), base64.b64decode(parsed["signature"], validate=True)
    except (ValueError, KeyError, TypeError):
        raise BackupError(f"The archive's {SIGNATURE_NAME} is not an Ed25519 signature. {_NOTHING}") from None


def verify_manifest(manifest: bytes, signature: bytes | None, key: Ed25519PublicKey) -> str:
    """Refuse a manifest whose signature by key is missing or wrong; return the signer's fingerprint."""
    expected = fingerprint(key)
    if signature is None:
        raise BackupError(f"The archive is not signed, and this restore requires a signature by key {_short(expected)} "
                          f"(--verify-key or BACKUP_VERIFY_KEY). {_NOTHING}")
    signer, value = _parse_signature(signature)
    if not hmac.compare_digest(signer, expected):
        raise BackupError(f"The archive is signed by key {_short(signer)}, not by the verify key {_short(expected)}. "
                          f"{_NOTHING}")
    try:
        key.verify(value, _SIGNED_PREFIX + manifest)
    except InvalidSignature:
        raise BackupError("The manifest's signature is wrong: the archive was altered after it was signed. "
                          f"{_NOTHING}") from None
    return expected


# ---------------------------------------------------------------------------------------------------------------
# Encryption


@dataclass(frozen=True)
class Header:
    """The clear header of an encrypted backup."""

    kind: int
    chunk_size: int
    nonce: bytes
    params: bytes  # the scrypt parameters and salt, or the ephemeral and the recipient's public keys
    mac: bytes = b""

    @property
    def body(self) -> bytes:
        """The header's bytes before its MAC."""
        return MAGIC + _FIXED.pack(VERSION, self.kind, self.chunk_size, self.nonce) + self.params

    def scrypt(self) -> tuple[int, int, int, bytes]:
        """log2(n), r, p and the salt of a passphrase header."""
        return _SCRYPT.unpack(self.params)

    def recipient(self) -> bytes:
        """The raw public key a public-key header was encrypted to."""
        return self.params[32:]


def _keys(secret: bytes, header: Header) -> tuple[bytes, bytes]:
    """The content key and the header's MAC key, from the secret and every byte of the header."""
    derived = HKDF(algorithm=hashes.SHA256(), length=64, salt=header.body, info=_HKDF_INFO).derive(secret)
    return derived[:32], derived[32:]


def _header_mac(mac_key: bytes, header: Header) -> bytes:
    """The MAC that ends the header."""
    return hmac.new(mac_key, header.body, hashlib.sha256).digest()


def _scrypt(passphrase: bytes, log_n: int, r: int, p: int, salt: bytes) -> bytes:
    """The passphrase's secret."""
    return Scrypt(salt=salt, length=32, n=1 << log_n, r=r, p=p).derive(passphrase)


def _nonce(base: bytes, index: int) -> bytes:
    """Chunk index's nonce: the base nonce XOR the index, never the same twice under one key."""
    return (int.from_bytes(base, "big") ^ index).to_bytes(12, "big")


def _associated(header: Header, index: int, final: bool) -> bytes:
    """What a chunk's tag covers besides its bytes: this file (the header MAC), its place and whether it ends."""
    return header.mac + struct.pack(">QB", index, final)


@dataclass(frozen=True)
class Sealing:
    """How a backup is encrypted: under a passphrase or to an X25519 public key; checked when made."""

    passphrase: bytes | None = None
    recipient: X25519PublicKey | None = None
    scrypt_n: int = DEFAULT_SCRYPT_N
    chunk_size: int = CHUNK_SIZE

    def __post_init__(self):
        if (self.passphrase is None) == (self.recipient is None):
            raise BackupError("Encrypt under a passphrase or to a public key: one of the two.")
        if self.passphrase is not None and len(self.passphrase) < MIN_PASSPHRASE:
            raise BackupError(f"The passphrase is too short: use at least {MIN_PASSPHRASE} characters "
                              "(a few random words).")
        n = self.scrypt_n
        if n < 2 or n & (n - 1) or 128 * SCRYPT_R * n > MAX_SCRYPT_MEMORY:
            raise BackupError(f"BACKUP_SCRYPT_N must be a power of two between 2 and {MAX_SCRYPT_MEMORY // 1024}, "
                              f"not {n}.")
        if not 1 <= self.chunk_size <= MAX_CHUNK_SIZE:
            raise BackupError(f"The chunk size must be between 1 and {MAX_CHUNK_SIZE} bytes.")

    def writer(self, raw) -> EncryptingWriter:
        """A write-only file that encrypts what it is given into raw."""
        if self.recipient is not None:
            ephemeral = X25519PrivateKey.generate()
            params = _raw(ephemeral.public_key()) + _raw(self.recipient)
            header = Header(PUBLIC_KEY, self.chunk_size, os.urandom(12), params)
            secret = ephemeral.exchange(self.recipient)
        else:
            log_n = self.scrypt_n.bit_length() - 1
            params = _SCRYPT.pack(log_n, SCRYPT_R, SCRYPT_P, os.urandom(16))
            header = Header(PASSPHRASE, self.chunk_size, os.urandom(12), params)
            secret = _scrypt(self.passphrase, *header.scrypt())
        key, mac_key = _keys(secret, header)
        return EncryptingWriter(raw, replace(header, mac=_header_mac(mac_key, header)), key)


class EncryptingWriter:
    """A write-only file that seals what it is given into chunks after the header; close() seals the final one."""

    def __init__(self, raw, header: Header, key: bytes):
        self.raw, self.header, self.aead = raw, header, AESGCM(key)
        self.buffer = bytearray()
        self.index = 0
        self.closed = False
        raw.write(header.body + header.mac)

    def write(self, data) -> int:
        """Take bytes, sealing every full chunk; the last chunk waits for close() to be marked final."""
        self.buffer += data
        size = self.header.chunk_size
        while len(self.buffer) > size:
            self._seal(bytes(self.buffer[:size]), final=False)
            del self.buffer[:size]
        return len(data)

    def flush(self) -> None:
        """Flush the file underneath (a chunk is only written once full)."""
        self.raw.flush()

    def close(self) -> None:
        """Seal what is left as the final chunk; the file underneath stays open."""
        if not self.closed:
            self._seal(bytes(self.buffer), final=True)
            self.buffer.clear()
            self.closed = True

    def _seal(self, plain: bytes, final: bool) -> None:
        sealed = self.aead.encrypt(_nonce(self.header.nonce, self.index), plain,
                                   _associated(self.header, self.index, final))
        self.raw.write(_FRAME.pack(final, len(sealed)) + sealed)
        self.index += 1

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None:  # after a failure the partial file is thrown away: no final chunk may vouch for it
            self.close()


def _truncated() -> BackupError:
    return BackupError(f"The encrypted backup is truncated: it ends before its last chunk. {_NOTHING}")


def _read_exact(handle, size: int) -> bytes:
    """Exactly size bytes, or a BackupError saying the file is truncated."""
    data = handle.read(size)
    if len(data) < size:
        raise _truncated()
    return data


def read_header(handle) -> Header | None:
    """The header of an encrypted backup, or None when the file does not start with MAGIC (a plain archive)."""
    if handle.read(len(MAGIC)) != MAGIC:
        return None
    version, kind, chunk_size, nonce = _FIXED.unpack(_read_exact(handle, _FIXED.size))
    if version != VERSION:
        raise BackupError(f"This backup is encrypted in format {version}; this tracker reads format {VERSION}. "
                          f"{_NOTHING}")
    if kind not in (PASSPHRASE, PUBLIC_KEY) or not 1 <= chunk_size <= MAX_CHUNK_SIZE:
        raise BackupError(f"The encrypted backup's header is damaged. {_NOTHING}")
    params = _read_exact(handle, _SCRYPT.size if kind == PASSPHRASE else 64)
    return Header(kind, chunk_size, nonce, params, _read_exact(handle, 32))


def _passphrase_secret(header: Header, passphrase: bytes | None) -> bytes:
    """The secret of a passphrase header, refusing parameters that would take unbounded memory."""
    if passphrase is None:
        raise BackupError("This backup is encrypted with a passphrase: give it with --passphrase-file FILE or the "
                          f"BACKUP_PASSPHRASE environment variable. {_NOTHING}")
    log_n, r, p, salt = header.scrypt()
    if not (1 <= log_n <= 30 and 1 <= r <= 32 and 1 <= p <= 16) or 128 * r * (1 << log_n) > MAX_SCRYPT_MEMORY:
        raise BackupError(f"The encrypted backup's header asks for unreasonable scrypt parameters. {_NOTHING}")
    return _scrypt(passphrase, log_n, r, p, salt)


def _identity_secret(header: Header, identity: X25519PrivateKey | None) -> bytes:
    """The secret of a public-key header, refusing an identity that is not the recipient's."""
    recipient = hashlib.sha256(header.recipient()).hexdigest()
    if identity is None:
        raise BackupError(f"This backup is encrypted to the public key {_short(recipient)}: give its private key "
                          f"with --identity FILE. {_NOTHING}")
    own = fingerprint(identity.public_key())
    if own != recipient:
        raise BackupError(f"This backup is encrypted to the public key {_short(recipient)}; the identity given is "
                          f"the private key of {_short(own)}. {_NOTHING}")
    try:
        return identity.exchange(X25519PublicKey.from_public_bytes(header.params[:32]))
    except ValueError:  # a low-order point: only an altered header holds one
        raise BackupError(f"The encrypted backup's header was altered. {_NOTHING}") from None


def unlock(header: Header, *, passphrase: bytes | None = None, identity: X25519PrivateKey | None = None) -> bytes:
    """The content key of an encrypted backup, refusing a missing or wrong passphrase or identity."""
    if header.kind == PASSPHRASE:
        secret = _passphrase_secret(header, passphrase)
    else:
        secret = _identity_secret(header, identity)
    key, mac_key = _keys(secret, header)
    if not hmac.compare_digest(_header_mac(mac_key, header), header.mac):
        if header.kind == PASSPHRASE:
            raise BackupError(f"The passphrase is wrong (or the backup's header was altered). {_NOTHING}")
        raise BackupError(f"The encrypted backup's header was altered. {_NOTHING}")
    return key


def _frame(handle, header: Header, index: int) -> tuple[bool, bytes]:
    """The next chunk's final flag and ciphertext, refusing a frame no writer makes."""
    frame = handle.read(_FRAME.size)
    if len(frame) < _FRAME.size:
        raise _truncated()
    final, length = _FRAME.unpack(frame)
    full = header.chunk_size + TAG_SIZE
    if final > 1 or not TAG_SIZE <= length <= full or (not final and length != full):
        raise BackupError(f"The encrypted backup was altered or damaged at chunk {index}. {_NOTHING}")
    return bool(final), _read_exact(handle, length)


def decrypt(handle, header: Header, key: bytes, out) -> None:
    """Write the plaintext of the chunks to out, refusing any chunk altered, moved, dropped or added."""
    aead = AESGCM(key)
    index, final = 0, False
    while not final:
        final, sealed = _frame(handle, header, index)
        try:
            out.write(aead.decrypt(_nonce(header.nonce, index), sealed, _associated(header, index, final)))
        except InvalidTag:
            raise BackupError(f"The encrypted backup was altered or damaged at chunk {index}. {_NOTHING}") from None
        index += 1
    if handle.read(1):
        raise BackupError(f"The encrypted backup has data after its last chunk: it was altered. {_NOTHING}")


def decrypt_file(source: Path, target: Path, *, passphrase: bytes | None = None,
                 identity: X25519PrivateKey | None = None) -> bool:
    """Decrypt source into a new file target; False (and nothing written) when source is not encrypted."""
    with Path(source).open("rb") as handle:
        header = read_header(handle)
        if header is None:
            return False
        key = unlock(header, passphrase=passphrase, identity=identity)
        with Path(target).open("xb") as out:
            decrypt(handle, header, key, out)
    return True
