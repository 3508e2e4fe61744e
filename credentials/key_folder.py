"""Where the issuer's key lives: names only, so a command can say it without loading any crypto."""

from __future__ import annotations

import os
from pathlib import Path

KEYS_ENV = "MICROQUEST_KEYS"
KEY_FILE = "issuer-ed25519.pem"
DID_FILE = "issuer.did"


def default_keys_dir() -> Path:
    """`$MICROQUEST_KEYS`, else `~/.config/microquest/keys/`."""
    configured = os.environ.get(KEYS_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".config" / "microquest" / "keys"
