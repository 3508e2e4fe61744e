from __future__ import annotations

from pathlib import Path

import pytest

from credentials.issuer import IssuerIdentity

# The provider the award tests issue for (`microquest issuer init` saves the same beside the key).
PROVIDER = IssuerIdentity(name="Šolski center Primer", url="https://www.primer.si/", country="SI")


@pytest.fixture(autouse=True)
def issuer_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test signs with its own fresh issuer key, in the name of a provider's identity kept beside it,
    and writes its credentials in its own folder."""
    from credentials.issuer import save_identity
    from credentials.keys import init_keys

    folder = tmp_path / "keys"
    monkeypatch.setenv("MICROQUEST_KEYS", str(folder))
    init_keys(folder)
    save_identity(folder, PROVIDER)
    monkeypatch.chdir(tmp_path)
    return folder
