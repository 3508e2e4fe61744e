"""The provider's identity: who awards the micro-credential, kept beside the issuer key.

The awarding body, its country, web address and legal identifier belong to the
provider who installs microquest, not to the curriculum, so they are kept with the
issuer key (`issuer.json` in the key folder: `$MICROQUEST_KEYS`, else
`~/.config/microquest/keys/`), not in `content/`:

    save_identity(folder, IssuerIdentity(name="…", url="https://…", country="SI"))
    identity = load_identity(folder)        # IssuerError, saying what to do, when it is missing or wrong

The file is JSON, mode 0600, written to a temporary file beside it and moved into
place, so a reader sees the old identity or the new one, never half of one. A folder
that `save_identity` creates gets mode 0700; an existing one keeps its mode.

`did_web_document` is the DID document a provider who issues as `did:web:HOST`
publishes at `https://HOST/.well-known/did.json` (W3C "did:web Method
Specification" §3.2; the key as a `Multikey`, W3C Controlled Identifiers §2.2.2).
`issuing_key(identity, key)` is the key as the provider issues with it: its did:key,
or a `DidWebKey` whose proofs name `did:web:HOST#<the key's multibase>`, that
document's verification method.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
import unicodedata
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .keys import default_keys_dir
from .signing import IssuerKey, public_key_multibase, public_key_of_did

IDENTITY_FILE = "issuer.json"
MAX_IDENTITY_BYTES = 64 * 1024  # a few hundred bytes in practice
MAX_TEXT = 300
EQF_LEVELS = range(1, 9)
DID_CONTEXTS = ("https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1")

# ISO 3166-1: every officially assigned alpha-2 code and its alpha-3 code, which is
# also the code of the EU country authority table (NAL) the Europass export names.
# Taken from Debian's iso-codes 4.15.0 (/usr/share/iso-codes/json/iso_3166-1.json).
_ISO_3166_1 = (
    "ADAND AEARE AFAFG AGATG AIAIA ALALB AMARM AOAGO AQATA ARARG ASASM ATAUT AUAUS AWABW AXALA AZAZE BABIH BBBRB "
    "BDBGD BEBEL BFBFA BGBGR BHBHR BIBDI BJBEN BLBLM BMBMU BNBRN BOBOL BQBES BRBRA BSBHS BTBTN BVBVT BWBWA BYBLR "
    "BZBLZ CACAN CCCCK CDCOD CFCAF CGCOG CHCHE CICIV CKCOK CLCHL CMCMR CNCHN COCOL CRCRI CUCUB CVCPV CWCUW CXCXR "
    "CYCYP CZCZE DEDEU DJDJI DKDNK DMDMA DODOM DZDZA ECECU EEEST EGEGY EHESH ERERI ESESP ETETH FIFIN FJFJI FKFLK "
    "FMFSM FOFRO FRFRA GAGAB GBGBR GDGRD GEGEO GFGUF GGGGY GHGHA GIGIB GLGRL GMGMB GNGIN GPGLP GQGNQ GRGRC GSSGS "
    "GTGTM GUGUM GWGNB GYGUY HKHKG HMHMD HNHND HRHRV HTHTI HUHUN IDIDN IEIRL ILISR IMIMN ININD IOIOT IQIRQ IRIRN "
    "ISISL ITITA JEJEY JMJAM JOJOR JPJPN KEKEN KGKGZ KHKHM KIKIR KMCOM KNKNA KPPRK KRKOR KWKWT KYCYM KZKAZ LALAO "
    "LBLBN LCLCA LILIE LKLKA LRLBR LSLSO LTLTU LULUX LVLVA LYLBY MAMAR MCMCO MDMDA MEMNE MFMAF MGMDG MHMHL MKMKD "
    "MLMLI MMMMR MNMNG MOMAC MPMNP MQMTQ MRMRT MSMSR MTMLT MUMUS MVMDV MWMWI MXMEX MYMYS MZMOZ NANAM NCNCL NENER "
    "NFNFK NGNGA NINIC NLNLD NONOR NPNPL NRNRU NUNIU NZNZL OMOMN PAPAN PEPER PFPYF PGPNG PHPHL PKPAK PLPOL PMSPM "
    "PNPCN PRPRI PSPSE PTPRT PWPLW PYPRY QAQAT REREU ROROU RSSRB RURUS RWRWA SASAU SBSLB SCSYC SDSDN SESWE SGSGP "
    "SHSHN SISVN SJSJM SKSVK SLSLE SMSMR SNSEN SOSOM SRSUR SSSSD STSTP SVSLV SXSXM SYSYR SZSWZ TCTCA TDTCD TFATF "
    "TGTGO THTHA TJTJK TKTKL TLTLS TMTKM TNTUN TOTON TRTUR TTTTO TVTUV TWTWN TZTZA UAUKR UGUGA UMUMI USUSA UYURY "
    "UZUZB VAVAT VCVCT VEVEN VGVGB VIVIR VNVNM VUVUT WFWLF WSWSM YEYEM YTMYT ZAZAF ZMZMB ZWZWE "
)
COUNTRY_ALPHA3: dict[str, str] = {pair[:2]: pair[2:] for pair in _ISO_3166_1.split()}
# Codes people use that ISO 3166-1 does not assign to the country they mean.
_COUNTRY_HINTS = {"EL": "GR (Greece)", "UK": "GB (United Kingdom)"}

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


class IssuerError(ValueError):
    """A provider identity that is missing or cannot be used; the message says what to do."""


def _text(value: Any, what: str, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise IssuerError(f"the provider's {what} is missing: give it as text")
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise IssuerError(f"the provider's {what} is too long ({len(value)} characters; at most {MAX_TEXT})")
    if any(unicodedata.category(char).startswith("C") for char in value):
        raise IssuerError(f"the provider's {what} contains a control character: write it on one line")
    return value


def _url(value: Any) -> str:
    text = _text(value, "web address", required=True)
    assert text is not None
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is no number
    except ValueError:
        raise IssuerError(f"the provider's web address is not a valid URL (found {text!r})") from None
    if parts.scheme.lower() != "https":
        raise IssuerError(f"the provider's web address must start with https:// (found {text!r})")
    if not parts.hostname or any(char.isspace() for char in text):
        raise IssuerError(f"the provider's web address must name a host, e.g. https://www.example.si/ (found {text!r})")
    if parts.username or parts.password:
        raise IssuerError(f"the provider's web address must not contain a user name or password (found {text!r})")
    return text


def _country(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise IssuerError("the provider's country is missing: give its two-letter ISO 3166-1 code, e.g. SI")
    code = value.strip().upper()
    if code in COUNTRY_ALPHA3:
        return code
    hint = f"; for that country use {_COUNTRY_HINTS[code]}" if code in _COUNTRY_HINTS else ""
    raise IssuerError(
        f"the provider's country must be a two-letter ISO 3166-1 code such as SI (found {value.strip()!r}){hint}"
    )


def _eqf_level(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value not in EQF_LEVELS:
        raise IssuerError(f"the EQF level must be a whole number from 1 to 8 (found {value!r})")
    return value


def host_name_problem(host: Any) -> str | None:
    """Why `host` cannot be a did:web host name (None when it can): lower-case DNS labels, at least two."""
    if not isinstance(host, str) or not host:
        return "a host name is missing"
    if "://" in host or "/" in host:
        return f"give the host name only, e.g. www.example.si, not a web address (found {host!r})"
    if ":" in host:
        return f"give the host name without a port (found {host!r})"
    if not host.isascii():
        return f"write an internationalised host name in its xn-- (punycode) form (found {host!r})"
    if host != host.lower():
        return f"write the host name in lower case (found {host!r})"
    labels = host.split(".")
    if len(host) > 253 or len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return f"{host!r} is not a host name such as www.example.si"
    return None


def _did_web(value: Any) -> str | None:
    if value is None:
        return None
    host = value.strip().lower() if isinstance(value, str) else value
    problem = host_name_problem(host)
    if problem:
        raise IssuerError(f"the did:web host: {problem}")
    return host


@dataclass(frozen=True)
class IssuerIdentity:
    """The awarding body (EU elements 3 and 4) as the provider states it.

    - `name`: the name people know the provider by; `legal_name`: its registered
      name, when different.
    - `url`: its web address (https).
    - `country`: ISO 3166-1 alpha-2 (`SI`).
    - `id_registration`: its legal identifier, e.g. the business register number
      (matična številka) or the VAT id (`SI12345678`); the Europass export uses it
      as the legal (eIDAS) identifier and needs it.
    - `eqf_level`: 1–8, only when the provider states the level (the seed states none).
    - `did_web`: a host name, when the provider issues as `did:web:<host>`.

    Values are checked, trimmed, the country upper-cased and the host lower-cased
    when the identity is made; a wrong one raises IssuerError.
    """

    name: str
    url: str
    country: str
    legal_name: str | None = None
    id_registration: str | None = None
    eqf_level: int | None = None
    did_web: str | None = None

    def __post_init__(self) -> None:
        checked = {
            "name": _text(self.name, "name", required=True),
            "url": _url(self.url),
            "country": _country(self.country),
            "legal_name": _text(self.legal_name, "legal name", required=False),
            "id_registration": _text(self.id_registration, "legal identifier", required=False),
            "eqf_level": _eqf_level(self.eqf_level),
            "did_web": _did_web(self.did_web),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    @property
    def country_alpha3(self) -> str:
        return COUNTRY_ALPHA3[self.country]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> IssuerIdentity:
        if not isinstance(data, dict):
            raise IssuerError(f"expected a JSON object, found {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise IssuerError(f"unknown field(s) {', '.join(unknown)}; the fields are {', '.join(sorted(known))}")
        if not {"name", "url", "country"} <= set(data):
            raise IssuerError("the provider's name, web address and country are all required")
        return cls(**data)


def identity_path(folder: Path | None = None) -> Path:
    base = Path(folder).expanduser() if folder is not None else default_keys_dir()
    return base / IDENTITY_FILE


def save_identity(folder: Path | None, identity: IssuerIdentity) -> Path:
    """Write `identity` to `folder/issuer.json` (default folder: the key folder), replacing any old one in one step."""
    path = identity_path(folder)
    if not path.parent.is_dir():
        path.parent.parent.mkdir(parents=True, exist_ok=True)
        path.parent.mkdir(mode=0o700)
        os.chmod(path.parent, 0o700)  # the umask may have narrowed it; never widened
    data = (json.dumps(identity.to_json(), ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")
    descriptor, temporary = tempfile.mkstemp(prefix=f".{IDENTITY_FILE}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as file:
            os.fchmod(file.fileno(), 0o600)  # mkstemp made it 0600; say so whatever the platform
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a crash
    finally:
        os.close(directory)
    return path


def load_identity(folder: Path | None = None) -> IssuerIdentity:
    """The provider's identity kept in `folder` (default: the key folder); IssuerError, saying what to do, if none."""
    path = identity_path(folder)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise IssuerError(
            f"no issuer identity yet in {path.parent}: set the provider's name, web address and country first"
        ) from None
    if not stat.S_ISREG(mode):
        raise IssuerError(f"{path} is not a regular file: remove it and set the provider's identity again")
    if mode & 0o022:
        raise IssuerError(
            f"{path} can be changed by other users (mode {stat.S_IMODE(mode):04o}), and it names the issuer "
            f"of every credential: make it writable by its owner only (chmod 600 {path})"
        )
    with path.open("rb") as file:
        raw = file.read(MAX_IDENTITY_BYTES + 1)
    if len(raw) > MAX_IDENTITY_BYTES:
        raise IssuerError(f"{path} is too large to be an issuer identity: set the provider's identity again")
    try:
        data = json.loads(raw.decode("utf-8"))
    except json.JSONDecodeError as error:
        reason = error.msg
    except UnicodeDecodeError:
        reason = "not UTF-8"
    except RecursionError:
        reason = "nested too deeply"
    else:
        reason = None
    if reason is not None:
        raise IssuerError(f"{path} is not a valid issuer identity ({reason}): set the provider's identity again")
    try:
        return IssuerIdentity.from_json(data)
    except IssuerError as error:
        raise IssuerError(f"{path}: {error}; set the provider's identity again") from None


def did_web_id(host: str) -> str:
    """`did:web:<host>` (did:web §3.1: a host name without port or path)."""
    problem = host_name_problem(host)
    if problem:
        raise IssuerError(f"the did:web host: {problem}")
    return f"did:web:{host}"


def did_web_verification_method(host: str, public_key_multibase: str) -> str:
    """The key's id in the DID document: the DID, '#', and the key's multibase (as a did:key's is)."""
    return f"{did_web_id(host)}#{public_key_multibase}"


def did_web_document(host: str, public_key_multibase: str) -> dict[str, Any]:
    """The DID document to publish at https://HOST/.well-known/did.json for the issuer's Ed25519 key.

    `public_key_multibase` is the key as `credentials.signing.public_key_multibase`
    writes it (`z6Mk…`, the multicodec-prefixed Ed25519 key, base58-btc): one
    `Multikey` verification method, controlled by the DID, referenced from
    `assertionMethod` (the proof purpose of a credential's proof).
    """
    did = did_web_id(host)
    try:
        if not isinstance(public_key_multibase, str) or not public_key_multibase.isalnum():
            raise ValueError("not multibase base58-btc")
        public_key_of_did(f"did:key:{public_key_multibase}")  # the same checks as a did:key's key
    except ValueError:
        raise IssuerError(
            f"expected the issuer's Ed25519 public key in multibase (z6Mk…), found {public_key_multibase!r}"
        ) from None
    method = did_web_verification_method(host, public_key_multibase)
    return {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": [
            {"id": method, "type": "Multikey", "controller": did, "publicKeyMultibase": public_key_multibase}
        ],
        "assertionMethod": [method],
    }


@dataclass(frozen=True)
class DidWebKey(IssuerKey):
    """The issuer key as a `did:web:<host>` issuer uses it: its proofs name `did:web:<host>#<the key's multibase>`,
    the verification method of `did_web_document`."""

    host: str = ""

    @property
    def did(self) -> str:
        return did_web_id(self.host)

    @property
    def verification_method(self) -> str:
        return did_web_verification_method(self.host, public_key_multibase(self.private_key.public_key()))


def issuing_key(identity: IssuerIdentity, key: IssuerKey) -> IssuerKey:
    """The key as the provider issues with it: its did:key, or `did:web:<host>` when the identity names a host."""
    return DidWebKey(key.private_key, identity.did_web) if identity.did_web else key


def identity_did_document(identity: IssuerIdentity, key: IssuerKey) -> dict[str, Any]:
    """The DID document of a did:web provider, for its key; IssuerError when the identity names no did:web host."""
    if not identity.did_web:
        raise IssuerError("the provider issues as its did:key, which needs no DID document: set a did:web host first")
    return did_web_document(identity.did_web, public_key_multibase(key.private_key.public_key()))
