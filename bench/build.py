"""Time load + validate + render of the course, and catalogue builds of many courses.

A catalogue is N copies of the real content, each its own course (id and IRIs). It is
built with builder.build.build_catalogue (every format of --formats, zips and folders
written to a temporary dist), at several sizes, to show the rate holds as N grows.

Prints figures beside their targets; asserts nothing.
Run: python3 bench/build.py [--runs N] [--courses N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from builder.build import build_catalogue, check, render  # noqa: E402

FORMATS = ["html"]
CATALOGUE_FORMATS = ["scorm12", "html"]


def load_validate_render(content: Path) -> int:
    course = check(content).course
    outputs = render(course, FORMATS)
    return sum(len(data) for files in outputs.values() for data in files.values())


def median_seconds(function, runs: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        size = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), size


def make_catalogue(root: Path, courses: int) -> list[Path]:
    """`courses` copies of the real content, each a course of its own id."""
    folders = []
    course_yaml = (PROJECT / "content" / "course.yaml").read_text(encoding="utf-8")
    for number in range(1, courses + 1):
        folder = root / f"course-{number:03d}"
        shutil.copytree(PROJECT / "content", folder, ignore=shutil.ignore_patterns("schema"))
        text = course_yaml.replace("id: mq-pr3\n", f"id: mq-pr3-c{number:03d}\n", 1)
        text = text.replace("/xapi/pr3/", f"/xapi/pr3-c{number:03d}/", 1)
        (folder / "course.yaml").write_text(text, encoding="utf-8")
        folders.append(folder)
    return folders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--courses", type=int, default=100)
    args = parser.parse_args()

    load_validate_render(PROJECT / "content")  # warm caches: schemas, templates
    one, size = median_seconds(lambda: load_validate_render(PROJECT / "content"), args.runs)
    print(f"course: load+validate+render ({', '.join(FORMATS)}): median {one * 1000:.1f} ms over {args.runs} runs")
    print(f"course: {size / 1024:.1f} KiB rendered")

    sizes = sorted({max(1, args.courses // 4), max(1, args.courses // 2), args.courses})
    print(f"catalogue builds ({', '.join(CATALOGUE_FORMATS)}; target >= 20 courses/s, growing linearly):")
    timings: list[tuple[int, float]] = []
    with tempfile.TemporaryDirectory() as temp:
        folders = make_catalogue(Path(temp) / "content", args.courses)
        for size in sizes:
            out = Path(temp) / f"dist-{size}"
            start = time.perf_counter()
            build_catalogue(folders[:size], out, CATALOGUE_FORMATS)
            seconds = time.perf_counter() - start
            timings.append((size, seconds))
            written = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
            print(
                f"  {size:4d} courses: {seconds:6.2f} s, {size / seconds:5.1f} courses/s, "
                f"{seconds / size * 1000:5.1f} ms per course, {written / 1024 / 1024:.1f} MiB written"
            )
    if len(timings) > 1:
        slope, intercept = statistics.linear_regression([n for n, _ in timings], [s for _, s in timings])
        print(
            f"  linear fit: {intercept:.2f} s + {slope * 1000:.1f} ms per course "
            f"(a marginal {1 / slope:.1f} courses/s; target >= 20)"
        )


if __name__ == "__main__":
    main()
