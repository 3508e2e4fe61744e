"""The issuer's signing key on disk: made once, kept private, never printed.

The key is an Ed25519 private key in PKCS#8 PEM (what `openssl pkey` reads), in
`issuer-ed25519.pem`, mode 0600, in a folder of mode 0700. Beside it,
`issuer.did` holds the public did:key, for people and scripts that need the
issuer's identifier without the key.

The folder is `$MICROQUEST_KEYS`, else `~/.config/microquest/keys/`. It must not
be inside a git repository (a key committed by mistake is a key published), the
microquest project, or a `dist/` folder (what is built there gets uploaded): making
a key there is refused, and so is loading one from there (`keys show`,
`revocations`, `award`). A folder that `init_keys` creates gets mode 0700; an
existing one keeps its mode (it may be shared, like a 1777 one): the key file
itself is always 0600.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from .key_folder import DID_FILE, KEY_FILE, KEYS_ENV, default_keys_dir  # noqa: F401  (re-exported)
from .signing import IssuerKey, generate_key

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class KeyFileError(ValueError):
    """A key folder or file that cannot be used; the message says what to do. It never holds key material."""


class KeyExistsError(KeyFileError):
    """There is a key already: it is kept unless the caller asks to replace it (force)."""


def _is_project(folder: Path) -> bool:
    return (folder / "setup.cfg").is_file() and (folder / "xapi").is_dir()


def unsafe_location(directory: Path) -> str | None:
    """Why a folder is no place for a private key, or None when it is fine."""
    target = Path(directory).expanduser().absolute().resolve()
    if "dist" in target.parts:
        return f"{directory} is inside a dist/ folder, whose contents get published"
    if _is_project(PROJECT_ROOT) and (target == PROJECT_ROOT or PROJECT_ROOT in target.parents):
        return f"{directory} is inside the microquest project ({PROJECT_ROOT})"
    for folder in (target, *target.parents):
        if (folder / ".git").exists():
            return f"{directory} is inside the git repository {folder}"
    return None


def _write_private(path: Path, data: bytes) -> None:
    """Write a file that only its owner can read, replacing any old one in one step."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # the umask cannot widen it, but be explicit
        os.write(descriptor, data)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(temporary, path)


def init_keys(directory: Path | None = None, *, force: bool = False) -> tuple[IssuerKey, Path]:
    """Generate the issuer key in `directory` (default: `default_keys_dir()`); return it and the key file.

    Refuses to replace an existing key unless `force` (the old key's credentials
    keep verifying only while its did:key is still trusted), and refuses folders
    inside a repository, the project or dist/.
    """
    folder = Path(directory).expanduser() if directory is not None else default_keys_dir()
    reason = unsafe_location(folder)
    if reason:
        raise KeyFileError(f"refusing to keep the private key there: {reason}; choose a folder outside it")
    key_path = folder / KEY_FILE
    if key_path.exists() and not force:
        raise KeyExistsError(f"{key_path} already exists")
    if not folder.is_dir():
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=0o700)
        os.chmod(folder, 0o700)  # exactly 0700, whatever the umask
    key = generate_key()
    pem = key.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    _write_private(key_path, pem)
    (folder / DID_FILE).write_text(key.did + "\n", encoding="utf-8")
    return key, key_path


def load_key(directory: Path | None = None) -> IssuerKey:
    """The issuer key of `directory` (default: `default_keys_dir()`).

    Refuses a key inside a repository, the project or dist/ (as `init_keys` does), and a
    key file that group or others may read or write, and says how to fix it.
    """
    folder = Path(directory).expanduser() if directory is not None else default_keys_dir()
    key_path = folder / KEY_FILE
    reason = unsafe_location(folder)
    if reason:
        raise KeyFileError(
            f"refusing to use a private key kept there: {reason}; move the key folder outside it "
            "(and consider the key exposed if it was committed or published)"
        )
    try:
        mode = key_path.stat().st_mode
    except FileNotFoundError:
        raise KeyFileError(f"no issuer key at {key_path}: run `microquest keys init` first") from None
    if not stat.S_ISREG(mode):
        raise KeyFileError(f"{key_path} is not a regular file")
    if mode & 0o077:
        raise KeyFileError(
            f"{key_path} is readable by group or others (mode {stat.S_IMODE(mode):04o}); "
            f"run `chmod 600 {key_path}` (and consider the key exposed if others could read it)"
        )
    try:
        private_key = load_pem_private_key(key_path.read_bytes(), password=None)
    except (ValueError, TypeError):
        # The parser's message could quote the file; say only what is wrong.
        raise KeyFileError(f"{key_path} is not an unencrypted PKCS#8 PEM private key") from None
    if not isinstance(private_key, Ed25519PrivateKey):
        raise KeyFileError(f"{key_path} holds a {type(private_key).__name__}, not an Ed25519 key")
    return IssuerKey(private_key)
