"""`microquest keys …`, `microquest verify` and `microquest revocations`: the signed credential's commands.

Options in, calls into xapi (keys, verify), messages out. Registered on the main
group by builder/cli/__init__.py. Nothing here prints key material: only the issuer's public DID
and file paths.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import click

from credentials.key_folder import KEY_FILE, KEYS_ENV, default_keys_dir

from .reporting import error_lines, fail, reported

KEYS_DIR_OPTION = click.option(
    "--dir",
    "keys_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help=f"The key folder (default: ${KEYS_ENV}, else ~/.config/microquest/keys/).",
)


@click.group(name="keys")
def keys_group() -> None:
    """Make and inspect the issuer's signing key (kept outside the repository and dist/).

    Example:

        microquest keys init && microquest keys show
    """


@keys_group.command(name="init")
@KEYS_DIR_OPTION
@click.option("--force", is_flag=True, help="Replace an existing key (credentials signed with it stay valid).")
def keys_init(keys_dir: Path | None, force: bool) -> None:
    """Generate the issuer's Ed25519 key and print its public did:key.

    The private key goes to issuer-ed25519.pem (mode 0600) and is never printed;
    a folder this makes gets mode 0700, an existing one keeps its mode. Refuses a
    folder inside a git repository, the project or a dist/ folder, and refuses to
    replace a key without --force.

    Example:

        microquest keys init --dir ~/.config/microquest/keys
    """
    from credentials.keys import KeyExistsError, KeyFileError, init_keys

    try:
        key, path = init_keys(keys_dir, force=force)
    except KeyExistsError as error:
        fail(f"error: {error}; keep it, or pass --force to replace it with a new key")
    except (KeyFileError, OSError) as error:
        fail(*error_lines(error, None))
    click.echo(f"wrote the private key to {path} (mode 0600); keep it there and back it up offline")
    folder_mode = stat.S_IMODE(path.parent.stat().st_mode)
    if folder_mode & 0o077:
        click.echo(
            f"note: {path.parent} is open to others (mode {folder_mode:04o}) and was left so; "
            "only the key file is private"
        )
    click.echo(f"issuer DID: {key.did}")


@keys_group.command(name="show")
@KEYS_DIR_OPTION
def keys_show(keys_dir: Path | None) -> None:
    """Print the issuer's public did:key (checks the key file's permissions).

    Example:

        microquest keys show
    """
    from credentials.keys import KeyFileError, load_key

    with reported(None, KeyFileError):
        key = load_key(keys_dir)
    click.echo(f"{(keys_dir or default_keys_dir()) / KEY_FILE}: issuer DID {key.did}")


@click.command(name="verify")
@click.argument("credential", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--revocations",
    metavar="FILE_OR_URL",
    help="A revocation list (1EdTech Revocation List or a JSON array of ids); "
    "default: the list the credential names in credentialStatus.",
)
def verify_command(credential: Path, revocations: str | None) -> None:
    """Verify an Open Badges 3.0 credential (.json) or a baked badge (.svg, .png).

    Checks the shape (OB 3.0 types and required fields), that the issuer's did:key
    made the proof, the eddsa-rdfc-2022 signature over the canonical form, validFrom
    and validUntil against now, and revocation. Prints OK and the holder as the
    signed data names them (for a badge image, also that its visible text is not
    signed), or the reason it failed and exits 1. Refuses files over 32 MB,
    credentials over 4 MB (however compressed) and JSON nested over 64 levels.

    Example:

        microquest verify credentials/3f6c….json --revocations revocations.json
    """
    from credentials.verify import VerificationError, read_limited, verify_bytes

    try:
        data = read_limited(credential)
    except OSError as error:
        fail(f"error: {credential}: {error.strerror or error}")
    except VerificationError as error:
        fail(f"{credential}: NOT VALID: {error}")
    try:
        verified = verify_bytes(data, revocations=revocations)
    except VerificationError as error:
        # Not an error of the command: its answer, "no", with the reason.
        fail(f"{credential}: NOT VALID: {error}")
    click.echo(verified.summary())


@click.command(name="revocations")
@click.option(
    "--ledger",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=Path("microquest-ledger.sqlite"),
    show_default=True,
    help="The award ledger that records revocations.",
)
@click.option("--url", "list_url", required=True, help="Where the list will be published (its id).")
@click.option("--out", "out_file", type=click.Path(path_type=Path, dir_okay=False), required=True)
@KEYS_DIR_OPTION
def revocations_command(ledger: Path, list_url: str, out_file: Path, keys_dir: Path | None) -> None:
    """Write the ledger's revocations as a 1EdTech Revocation List to publish at --url.

    Credentials issued with that URL name it in credentialStatus, and
    `microquest verify` reads it from there.

    Example:

        microquest revocations --url https://www.example.si/revocations.json --out dist/revocations.json
    """
    from credentials.keys import KeyFileError, load_key
    from credentials.verify import revocation_list
    from xapi.award.ledger import Ledger, LedgerError

    with reported(None, KeyFileError, LedgerError):
        key = load_key(keys_dir)
        with Ledger(ledger) as opened:
            rows = opened.revocations()
    document = revocation_list(((i, reason) for i, reason, _at in rows), list_id=list_url, issuer=key.did)
    with reported(None, OSError):
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n", encoding="utf-8")
    click.echo(f"wrote {out_file}: {len(rows)} revoked credential(s)")
