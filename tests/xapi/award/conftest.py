from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def issuer_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test signs with its own fresh issuer key and writes its credentials in its own folder."""
    from credentials.keys import init_keys

    folder = tmp_path / "keys"
    monkeypatch.setenv("MICROQUEST_KEYS", str(folder))
    init_keys(folder)
    monkeypatch.chdir(tmp_path)
    return folder
