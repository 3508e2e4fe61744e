"""Write outputs: whole or not at all.

This module (with load.py) is the only one that touches the disk.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .errors import BuildError
from .load import display_path


def _write_files(root: Path, files: dict[str, bytes]) -> None:
    for name in sorted(files):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[name])
        os.chmod(path, 0o644)


def write_tree(target: Path, files: dict[str, bytes]) -> Path:
    """Replace the folder `target` with exactly `files` (path -> bytes).

    The files are written into a temporary sibling folder first and moved into
    place by rename, so an error leaves the previous output untouched.
    """
    target = Path(target)
    staging: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        os.chmod(staging, 0o755)
        _write_files(staging, files)
        if target.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
            os.replace(target, retired / target.name)
            os.replace(staging, target)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, target)
    except OSError as error:
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
        reason = error.strerror or str(error)
        raise BuildError(f"{display_path(target)}: cannot write the output: {reason}") from None
    return target
