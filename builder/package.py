"""Write outputs: all of them whole, or none at all.

This module (with load.py) is the only one that touches the disk. `replace_outputs`
works in two phases. Staging writes every new output beside its target (a hidden
`.name.*.tmp` file or folder); this is where a full disk or a read-only folder
fails, and then the staged outputs are removed and the output folder is as it was.
Committing only renames (moves the old output aside, the new one in), which needs
no space; should a rename still fail, the outputs already moved are put back.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError
from .load import display_path

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


@dataclass(frozen=True)
class Output:
    """One output to put at `target`: a file's bytes, or a folder's files (relative path -> bytes)."""

    target: Path
    content: bytes | dict[str, bytes]


@dataclass
class _Staged:
    target: Path
    staged: Path
    retired: Path | None = None  # where the previous output waits while the new one moves in
    placed: bool = False


def _stage_file(target: Path, data: bytes) -> Path:
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    os.chmod(name, 0o644)
    return Path(name)


def _stage_folder(target: Path, files: dict[str, bytes]) -> Path:
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    os.chmod(staging, 0o755)
    for name in sorted(files):
        path = staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[name])
        os.chmod(path, 0o644)
    return staging


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def _stage_all(outputs: list[Output]) -> list[_Staged]:
    staged: list[_Staged] = []
    for output in outputs:
        target = output.target
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(output.content, bytes):
                path = _stage_file(target, output.content)
            else:
                path = _stage_folder(target, output.content)
        except OSError as error:
            for done in staged:
                _remove(done.staged)
            # mkstemp/mkdtemp leave their partial file or folder behind on a full disk.
            for leftover in target.parent.glob(f".{target.name}.*.tmp") if target.parent.is_dir() else ():
                _remove(leftover)
            raise BuildError(f"{display_path(target)}: cannot write the output: {_reason(error)}") from None
        staged.append(_Staged(target, path))
    return staged


def _roll_back(staged: list[_Staged]) -> list[str]:
    """Put every previous output back; the targets that could not be restored."""
    lost = []
    for item in reversed(staged):
        try:
            if item.placed:
                _remove(item.target)
            if item.retired is not None:
                os.replace(item.retired, item.target)
        except OSError:
            lost.append(display_path(item.target))
        _remove(item.staged)
    return lost


def replace_outputs(outputs: list[Output]) -> list[Path]:
    """Put every output in place, or none: on any error the targets are as they were before the call."""
    staged = _stage_all(outputs)
    try:
        for item in staged:
            if item.target.exists() or item.target.is_symlink():
                item.retired = item.target.with_name(f".{item.target.name}.{os.getpid()}.old")
                _remove(item.retired)
                os.replace(item.target, item.retired)
            os.replace(item.staged, item.target)
            item.placed = True
    except OSError as error:
        lost = _roll_back(staged)
        message = f"{display_path(item.target)}: cannot put the output in place: {_reason(error)}"
        if lost:
            raise BuildError(message, changed=f"these outputs could not be restored: {', '.join(lost)}") from None
        raise BuildError(message) from None
    for item in staged:
        if item.retired is not None:
            _remove(item.retired)
    return [item.target for item in staged]
