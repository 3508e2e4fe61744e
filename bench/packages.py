"""Package figures: build time per format and for all formats, each package's size,
the runtime's size, and the suspend_data a fully filled course needs.

Prints figures; asserts nothing. Run: python3 bench/packages.py [--runs N]
The suspend_data figure drives Debian's Chromium (/usr/bin/chromium) over the html preview.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from builder.build import build  # noqa: E402
from builder.formats.html import STATIC_FILES  # noqa: E402
from builder.render import static_file  # noqa: E402
from tests.project import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402

FORMATS = ["scorm12", "scorm2004", "xapi", "cmi5"]


def slovenian_corpus() -> str:
    """Varied Slovenian prose with diacritics: every paragraph of the course's descriptions.

    Each answer takes a different slice, so the figures are not flattered by repetition.
    """
    from builder.build import check

    course = check(PROJECT / "content").course
    return " ".join(
        p for a in course.activities for s in a.description for p in (*s.paragraphs, *(x.text for x in s.points))
    )


def median_build_seconds(formats: list[str], runs: int) -> float:
    times = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(runs):
            start = time.perf_counter()
            build(PROJECT / "content", Path(out), formats)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def filled_course_suspend_data(site: Path, longtext_chars: int) -> list[tuple[str, int, int]]:
    """(activity, characters of the answers as JSON, characters of the encoded suspend_data) per canvas page."""
    from playwright.sync_api import sync_playwright

    corpus = slovenian_corpus()
    figures = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        for path in sorted((site / "activities").glob("*.html")):
            page.goto(path.as_uri())
            if not page.locator("form.canvas-form").count():
                continue
            result = page.evaluate(
                """([corpus, size]) => {
                    const form = document.querySelector('form.canvas-form');
                    form.querySelectorAll('[data-add-row]').forEach(b => { for (let i = 0; i < 4; i++) b.click(); });
                    const answers = {};
                    let offset = 0;
                    const slice = (n) => {
                        offset = (offset + 7919) % (corpus.length - n);
                        return corpus.slice(offset, offset + n);
                    };
                    for (const c of form.elements) {
                        if (!c.name) continue;
                        c.value = c.tagName === 'SELECT' ? c.options[c.options.length - 1].value
                                 : c.tagName === 'TEXTAREA' ? slice(size) : slice(60);
                        answers[c.name] = c.value;
                    }
                    const state = {v: 1, t: Date.now(), values: {answers, submitted: true, done: true}};
                    return [JSON.stringify(state).length, MicroQuest.codec.encode(state).length];
                }""",
                [corpus, longtext_chars],
            )
            figures.append((path.stem, *result))
        browser.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    build(PROJECT / "content", Path(tempfile.mkdtemp()), FORMATS)  # warm caches
    for name in FORMATS:
        print(f"build {name}: median {median_build_seconds([name], args.runs) * 1000:.0f} ms over {args.runs} runs")
    all_formats = [*FORMATS, "html"]  # what `microquest build --format all` builds
    print(f"build all ({', '.join(all_formats)}): median {median_build_seconds(all_formats, args.runs) * 1000:.0f} ms")

    with tempfile.TemporaryDirectory() as out:
        written = build(PROJECT / "content", Path(out), [*FORMATS, "html"])
        written += build(PROJECT / "content", Path(out), ["scorm12", "scorm2004"], split="unit")
        for path in written:
            if path.suffix == ".zip":
                with zipfile.ZipFile(path) as archive:
                    unpacked = sum(i.file_size for i in archive.infolist())
                print(
                    f"package {path.name}: {path.stat().st_size / 1024:.1f} KiB zipped, {unpacked / 1024:.1f} KiB unpacked"
                )
        for standard, label in (("none", "SCORM"), ("xapi", "xAPI and cmi5")):
            runtime = {name: len(static_file(name)) for name in STATIC_FILES[standard]}
            print(
                f"{label} runtime (JS + CSS, uncompressed): {sum(runtime.values()) / 1024:.1f} KiB "
                + ", ".join(f"{name} {size / 1024:.1f} KiB" for name, size in runtime.items())
            )

        for chars in (150, 300, 1000):
            figures = filled_course_suspend_data(Path(out) / "html", chars)
            worst = max(figures, key=lambda f: f[2])
            total = sum(f[2] for f in figures)
            print(
                f"suspend_data, every canvas filled ({chars} chars per long answer): "
                f"largest {worst[2]} chars ({worst[0]}, {worst[1]} chars as JSON), all canvases {total} chars; "
                f"SCORM 1.2 limit 4096 per SCO: {sum(f[2] > 4096 for f in figures)} of {len(figures)} canvases over"
            )


if __name__ == "__main__":
    main()
