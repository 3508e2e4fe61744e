"""Write outputs: whole or not at all.

This module (with load.py) is the only one that touches the disk.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
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


# Fixed entry metadata: the same files give the same zip bytes on every machine.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_FILE_MODE = 0o100644 << 16  # regular file, rw-r--r--
ZIP_UNIX = 3


def zip_bytes(files: dict[str, bytes], first: str | None = None) -> bytes:
    """A deterministic zip: `first` (e.g. imsmanifest.xml) leads, the rest sorted, fixed dates and modes."""
    buffer = io.BytesIO()
    names = sorted(files)
    if first is not None:
        names.remove(first)
        names.insert(0, first)
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ZIP_FILE_MODE
            info.create_system = ZIP_UNIX
            archive.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()


def write_file(target: Path, data: bytes) -> Path:
    """Write `target` whole: a temporary sibling first, then an atomic rename."""
    target = Path(target)
    temporary: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        temporary = Path(name)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except OSError as error:
        if temporary is not None and temporary.exists():
            temporary.unlink()
        reason = error.strerror or str(error)
        raise BuildError(f"{display_path(target)}: cannot write the output: {reason}") from None
    return target
