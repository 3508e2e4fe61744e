"""`microquest issuer …`: the provider's identity, kept beside the issuer key, in whose name credentials are issued.

Options in, calls into credentials.issuer, messages out. Registered on the main group
by builder/cli/__init__.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from credentials.key_folder import KEYS_ENV, default_keys_dir

from .reporting import fail, reported

IDENTITY_DIR_OPTION = click.option(
    "--dir",
    "keys_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help=f"The key folder, where the identity is kept beside the key (default: ${KEYS_ENV}, else ~/.config/microquest/keys/).",
)
DID_JSON = "did.json"
INIT_COMMAND = "microquest issuer init --name NAME --url URL --country CC"


@click.group(name="issuer")
def issuer_group() -> None:
    """The provider's identity: who awards the micro-credential (kept beside the issuer key, not in content/).

    Example:

        microquest issuer init --name "Šolski center Primer" --url https://www.primer.si/ --country SI
    """


def _did_document(keys_dir: Path | None, identity, unchanged: str | None = None) -> dict:
    from credentials.issuer import IssuerError, identity_did_document
    from credentials.keys import KeyFileError, load_key

    with reported(unchanged, KeyFileError, IssuerError):
        return identity_did_document(identity, load_key(keys_dir))


def _write_json(path: Path, document: dict) -> None:
    with reported(None, OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


@issuer_group.command(name="init")
@click.option("--name", required=True, help="The provider's name, as people know it (the credential's awarding body).")
@click.option("--url", required=True, help="The provider's web address (https://…).")
@click.option("--country", required=True, metavar="CC", help="The provider's country: ISO 3166-1 alpha-2, e.g. SI.")
@click.option("--legal-name", help="The registered (legal) name, when it differs from --name.")
@click.option(
    "--id-registration",
    help="The legal identifier: business register number or VAT id (the Europass export needs it).",
)
@click.option(
    "--eqf-level",
    type=int,
    help="The EQF level (1–8) the provider states for the micro-credential; by default none is claimed.",
)
@click.option(
    "--did-web",
    metavar="HOST",
    help="Issue as did:web:HOST instead of the key's did:key; writes the did.json to publish at "
    "https://HOST/.well-known/did.json.",
)
@IDENTITY_DIR_OPTION
def issuer_init(
    name: str,
    url: str,
    country: str,
    legal_name: str | None,
    id_registration: str | None,
    eqf_level: int | None,
    did_web: str | None,
    keys_dir: Path | None,
) -> None:
    """Set the provider's identity, in whose name `microquest award` issues every credential.

    Kept as issuer.json (mode 0600) in the key folder, replacing any earlier one.
    With --did-web HOST (needs the key: `microquest keys init` first), the
    credentials' issuer is did:web:HOST, and did.json, beside it, is the DID
    document to publish at https://HOST/.well-known/did.json: verifiers read the key
    from there.

    Example:

    \b
        microquest issuer init --name "Šolski center Primer" --url https://www.primer.si/ \\
            --country SI --id-registration 1234567000 --did-web credentials.primer.si
    """
    from credentials.issuer import IssuerError, IssuerIdentity, identity_path, save_identity

    folder = keys_dir or default_keys_dir()
    unchanged = f"{identity_path(folder)} was not changed"
    with reported(unchanged, IssuerError):
        identity = IssuerIdentity(
            name=name,
            url=url,
            country=country,
            legal_name=legal_name,
            id_registration=id_registration,
            eqf_level=eqf_level,
            did_web=did_web,
        )
    document = _did_document(keys_dir, identity, unchanged) if identity.did_web else None
    replaced = identity_path(folder).exists()
    with reported(None, OSError):
        path = save_identity(folder, identity)
    click.echo(f"{'replaced' if replaced else 'saved'} the provider's identity in {path}")
    if document is not None:
        did_json = path.parent / DID_JSON
        _write_json(did_json, document)
        click.echo(f"wrote {did_json}: publish it at https://{identity.did_web}/.well-known/did.json")
    _echo_identity(identity, document["id"] if document else None, keys_dir)


def _echo_identity(identity, did: str | None, keys_dir: Path | None) -> None:
    if did is None:
        from credentials.keys import KeyFileError, load_key

        try:
            did = load_key(keys_dir).did
        except KeyFileError:
            did = "its did:key, once made (microquest keys init)"
    rows = [
        ("name", identity.name),
        ("legal name", identity.legal_name),
        ("web address", identity.url),
        ("country", identity.country),
        ("legal identifier", identity.id_registration),
        ("EQF level", identity.eqf_level if identity.eqf_level is not None else "none stated"),
        ("issues as", did),
    ]
    for label, value in rows:
        if value is not None:
            click.echo(f"  {label}: {value}")


@issuer_group.command(name="show")
@IDENTITY_DIR_OPTION
def issuer_show(keys_dir: Path | None) -> None:
    """Print the provider's identity and the DID credentials are issued as.

    Example:

        microquest issuer show
    """
    from credentials.issuer import IssuerError, did_web_id, identity_path, load_identity

    try:
        identity = load_identity(keys_dir)
    except IssuerError as error:
        fail(f"error: {error}: run `{INIT_COMMAND}`")
    click.echo(f"{identity_path(keys_dir)}:")
    _echo_identity(identity, did_web_id(identity.did_web) if identity.did_web else None, keys_dir)


@issuer_group.command(name="did-document")
@click.option(
    "--out",
    "out_file",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Where to write the DID document (publish it at https://HOST/.well-known/did.json).",
)
@IDENTITY_DIR_OPTION
def issuer_did_document(out_file: Path, keys_dir: Path | None) -> None:
    """Write the did:web provider's DID document (its public key), to publish at https://HOST/.well-known/did.json.

    Example:

        microquest issuer did-document --out site/.well-known/did.json
    """
    from credentials.issuer import IssuerError, load_identity

    try:
        identity = load_identity(keys_dir)
    except IssuerError as error:
        fail(f"error: {error}: run `{INIT_COMMAND} --did-web HOST`")
    if not identity.did_web:
        fail(
            "error: the provider issues as its did:key, which needs no DID document: "
            f"run `{INIT_COMMAND} --did-web HOST` to issue as did:web"
        )
    _write_json(out_file, _did_document(keys_dir, identity))
    click.echo(f"wrote {out_file}: publish it at https://{identity.did_web}/.well-known/did.json")
