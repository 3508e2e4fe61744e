"""`microquest keys …`, `microquest verify` and `microquest revocations`: the signed credential's commands.

Options in, calls into xapi (keys, verify), messages out. Registered on the main
group by builder/cli/__init__.py. Nothing here prints key material: only the issuer's public DID
and file paths.
"""

from __future__ import annotations

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
    help="The revocations: a W3C Bitstring Status List credential, a 1EdTech Revocation List or a JSON array "
    "of ids; default: the list the credential names in credentialStatus.",
)
@click.option(
    "--did-document",
    metavar="FILE_OR_URL",
    help="The DID document of a did:web issuer (https://HOST/.well-known/did.json); "
    "a did:web credential is verified only with it.",
)
def verify_command(credential: Path, revocations: str | None, did_document: str | None) -> None:
    """Verify an Open Badges 3.0 credential (.json) or a baked badge (.svg, .png).

    Checks the shape (OB 3.0 types and required fields), that the issuer's DID
    (did:key, or did:web with --did-document) made the proof, the eddsa-rdfc-2022
    signature over the canonical form, validFrom and validUntil against now, and
    revocation: a Bitstring Status List's own signature and issuer, then the
    credential's bit. Prints OK and the holder as the signed data names them (for a
    badge image, also that its visible text is not signed), or the reason it failed
    and exits 1. Refuses files over 32 MB, credentials over 4 MB (however compressed),
    JSON nested over 64 levels and status lists that inflate to over 16 MB.

    Example:

        microquest verify credentials/3f6c….json --did-document did.json
    """
    from credentials.verify import VerificationError, read_limited, verify_bytes

    try:
        data = read_limited(credential)
    except OSError as error:
        fail(f"error: {credential}: {error.strerror or error}")
    except VerificationError as error:
        fail(f"{credential}: NOT VALID: {error}")
    try:
        verified = verify_bytes(data, revocations=revocations, did_document=did_document)
    except VerificationError as error:
        # Not an error of the command: its answer, "no", with the reason.
        hint = (
            "; give it with --did-document FILE_OR_URL" if error.reason == "did-document" and not did_document else ""
        )
        fail(f"{credential}: NOT VALID: {error}{hint}")
    click.echo(verified.summary())


@click.command(name="revocations")
@click.option(
    "--ledger",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("microquest-ledger.sqlite"),
    show_default=True,
    help="The award ledger that records revocations.",
)
@click.option("--url", "list_url", required=True, help="Where the list will be published (its id).")
@click.option("--out", "out_file", type=click.Path(path_type=Path, dir_okay=False), required=True)
@click.option(
    "--format",
    "form",
    type=click.Choice(["bitstring", "1edtech"]),
    default="bitstring",
    show_default=True,
    help="bitstring: a signed W3C Bitstring Status List, for credentials awarded with --status-list URL; "
    "1edtech: a 1EdTech Revocation List, for credentials awarded with --revocation-list URL.",
)
@KEYS_DIR_OPTION
def revocations_command(ledger: Path, list_url: str, out_file: Path, form: str, keys_dir: Path | None) -> None:
    """Write the ledger's revocations as the list to publish at --url, where credentials name it.

    A credential awarded with `--status-list URL` names its own bit in a W3C Bitstring
    Status List: publish this command's default output at that URL after every
    revocation (a signed BitstringStatusListCredential, issued as the provider's DID).
    One awarded with `--revocation-list URL` names a 1EdTech Revocation List:
    --format 1edtech. `microquest verify` reads either from the credential's URL.

    Example:

        microquest revocations --url https://www.example.si/status/1 --out site/status/1
    """
    from ..revocation_lists import revocations, write_published

    with reported(f"{out_file} was not changed"):
        published = revocations(ledger, list_url, form=form, keys=keys_dir)
        size = write_published(published, out_file)
    if form == "1edtech":
        click.echo(f"wrote {out_file} ({size} bytes): {len(published.revoked)} revoked credential(s)")
        return
    click.echo(
        f"wrote {out_file} ({size} bytes): a signed Bitstring Status List of {published.entries} entries, "
        f"{len(published.revoked)} revoked; publish it at {list_url}"
    )
    if published.elsewhere:
        click.echo(
            f"note: {len(published.elsewhere)} revoked credential(s) name another list or none, "
            f"so this one does not mark them: {', '.join(published.elsewhere)}"
        )
