"""Run inside `unshare --mount`: build every format onto a small tmpfs, fill it, rebuild changed content.

The disk is left with room for the first two formats' new outputs and a third of the
third's (the html site), so the rebuild runs out of space while staging the third.
Prints JSON: the tree before and after, the command's exit code and stderr.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from builder.build import FORMATS, as_output, build, check, render
from builder.cli import main
from tests.builder.test_build import tree_digest
from tests.project import CONTENT

PAGE = 4096


def disk_size(content: bytes | dict[str, bytes]) -> int:
    """What an output takes on tmpfs: whole pages per file (and one for a folder's entry)."""
    blobs = [content] if isinstance(content, bytes) else list(content.values())
    return sum(-(-len(blob) // PAGE) * PAGE for blob in blobs) + PAGE


def main_script(work: Path) -> dict:
    mount = work / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    out = mount / "dist"
    build(CONTENT, out, list(FORMATS))
    before = tree_digest(out)

    changed = work / "content"
    shutil.copytree(CONTENT, changed)
    course = changed / "course.yaml"
    course.write_text(course.read_text(encoding="utf-8").replace("MICRO QUEST", "MICRO-QUEST", 1), encoding="utf-8")
    outputs = [as_output(out, n, f) for n, f in render(check(changed).course, list(FORMATS)).items()]
    assert [o.target.name for o in outputs[:3]] == ["mq-pr3-scorm12.zip", "mq-pr3-scorm2004.zip", "html"]
    room = disk_size(outputs[0].content) + disk_size(outputs[1].content) + disk_size(outputs[2].content) // 3

    stat = os.statvfs(mount)
    free = stat.f_bavail * stat.f_frsize
    with open(mount / "filler", "wb") as filler:
        filler.write(b"\0" * (free - room))
    result = CliRunner().invoke(main, ["build", "--content", str(changed), "--format", "all", "--out", str(out)])
    after = tree_digest(out)
    leftovers = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
    subprocess.run(["umount", str(mount)], check=True)
    return {
        "before": before,
        "after": after,
        "exit_code": result.exit_code,
        "stderr": result.stderr,
        "leftovers": leftovers,
    }


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        json.dump(main_script(Path(folder)), sys.stdout)
