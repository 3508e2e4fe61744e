"""Start-up: import time of `microquest --help` and `validate`, and a whole-process SCORM 1.2 build
side by side with a bare Node packager (simple-scorm-packager 0.2.7, from npm) zipping the same
course.

The two builds run alternately (paired), so both see the same machine load; each figure is the
median; microquest's modules are byte-compiled first, as a regular install has them. The Node
packager gets the pages and runtime of our own SCORM 1.2 package (everything
but the manifest, which it writes itself) as its source folder.

Prints figures beside their targets; asserts nothing. Needs `npm ci` (the packager) and
`pip install -e .` (the `microquest` console script beside this interpreter).
Run: python3 bench/startup.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
# The console script itself (a shebang to this interpreter), not a pyenv or venv shim around it.
MICROQUEST = Path(sys.executable).parent / "microquest"
PACKAGER = PROJECT / "node_modules" / "simple-scorm-packager"
NODE_SCRIPT = """
const packager = require(process.argv[1]);
packager({
  version: '1.2', organization: 'MICRO QUEST', title: 'MICRO QUEST PR3', language: 'sl',
  identifier: 'mq-pr3', masteryScore: 0, startingPage: 'sco/u1-a1.html',
  source: process.argv[2], package: {zip: true, outputFolder: process.argv[3], date: '2026-01-01'},
}, () => {});
"""
IMPORT_LINE = re.compile(r"import time:\s+\d+ \|\s+(\d+) \| ( *)(\S+)")


def import_seconds(code: str) -> float:
    """The total import time `python -X importtime` reports for running `code` (top-level modules)."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, cwd=PROJECT, check=False
    )
    total = 0
    for line in completed.stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match and not match.group(2):
            total += int(match.group(1))
    return total / 1e6


def run_seconds(command: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=PROJECT, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def cold_seconds(command: list[str], work: Path, run: int) -> float:
    """A run with an empty cache folder: templates compiled and every file checked against its schema."""
    cache = work / f"cache-{run}"
    return run_seconds(command, {**os.environ, "XDG_CACHE_HOME": str(cache)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    if not MICROQUEST.is_file():
        sys.exit(f"{MICROQUEST} is missing: pip install -e . first")
    if not PACKAGER.is_dir() or shutil.which("node") is None:
        sys.exit("node and simple-scorm-packager are needed: run `npm ci` first")
    # A regular `pip install .` byte-compiles the package; an editable install under
    # PYTHONDONTWRITEBYTECODE (as on this machine) never does, and would compile every module
    # on every start. Compile them once, as an installed microquest has them.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "builder", "xapi", "credentials"], cwd=PROJECT, check=True
    )

    for name, argv in (("--help", ["--help"]), ("validate", ["validate"])):
        code = f"import sys; sys.argv = ['microquest', *{argv!r}]\nfrom builder.cli import main\ntry: main()\nexcept SystemExit: pass"
        seconds = statistics.median(import_seconds(code) for _ in range(args.runs))
        print(f"microquest {name}: import time {seconds * 1000:.0f} ms (target < 150 ms)")

    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        ours = [str(MICROQUEST), "build", "--format", "scorm12", "--out", str(work / "dist")]
        subprocess.run(ours, cwd=PROJECT, check=True, capture_output=True)
        source = work / "source"
        with zipfile.ZipFile(work / "dist" / "mq-pr3-scorm12.zip") as archive:
            archive.extractall(source)
        (source / "imsmanifest.xml").unlink()
        node = ["node", "-e", NODE_SCRIPT, str(PACKAGER), str(source), str(work / "node-out")]
        run_seconds(node)  # warm the file cache for both
        size = sum(p.stat().st_size for p in source.rglob("*") if p.is_file())
        ours_times, node_times, cold_times = [], [], []
        for run in range(args.runs):
            ours_times.append(run_seconds(ours))
            node_times.append(run_seconds(node))
            cold_times.append(cold_seconds(ours, work, run))
    mine, theirs = statistics.median(ours_times), statistics.median(node_times)
    print(f"whole process, median of {args.runs} paired runs (course of {size / 1024:.0f} KiB unzipped):")
    print(f"  microquest build --format scorm12 (load, validate, render, check, zip): {mine:.3f} s")
    print(
        f"    the same with empty caches (templates compiled, every file schema-checked): "
        f"{statistics.median(cold_times):.3f} s"
    )
    print(f"  simple-scorm-packager 0.2.7 (manifest and zip of the same pages):      {theirs:.3f} s")
    print(f"  ratio {mine / theirs:.2f} (target <= 1.00)")


if __name__ == "__main__":
    main()
