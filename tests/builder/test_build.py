"""The html build: every activity rendered, deterministic, all or nothing."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html

from builder.build import build, build_catalogue, check
from builder.errors import BuildError, ContentErrors
from builder.formats import html
from tests.project import CONTENT


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_html_build_renders_every_activity_and_the_index(tmp_path):
    (site,) = build(CONTENT, tmp_path, ["html"])
    pages = sorted(p.name for p in (site / "activities").glob("*.html"))
    assert len(pages) == 16
    index = lxml_html.fromstring((site / "index.html").read_bytes())
    assert len(index.xpath("//ul[@class='activity-list']//a[starts-with(@href, 'activities/')]")) == 16
    assert index.xpath("//a[@data-start]/@href") == ["activities/u1-a1.html"]
    assert index.xpath("string(/html/@lang)") == "sl"


def test_activity_page_shows_every_field_of_the_activity(built_site):
    course = check(CONTENT).course
    for activity in course.activities:
        page = lxml_html.fromstring((built_site / "activities" / f"{activity.id}.html").read_bytes())
        text = " ".join(page.text_content().split())
        assert activity.title in text and f"Aktivnost {activity.number}" in text
        assert activity.duration_label in text
        for value in (*activity.outcomes, *activity.activity_types, *activity.assessment):
            assert " ".join(value.split()) in text, (activity.id, value)
        for step in activity.description:
            for value in (step.heading, *step.paragraphs, *(p.text for p in step.points)):
                assert " ".join(value.split()) in text, (activity.id, value)
        hrefs = page.xpath("//section[@aria-labelledby='resources-title']//a/@href")
        assert hrefs == list(activity.resources)
        for link in page.xpath("//a[@target='_blank']"):
            assert "noopener" in link.get("rel")
        if activity.canvas:
            form = page.xpath(f"//form[@data-canvas='{activity.canvas.id}']")
            assert form, activity.id


def test_diacritics_survive_rendering(built_site):
    page = (built_site / "activities" / "u4-a1.html").read_text(encoding="utf-8")
    assert "Preučevanje kanvasa (U4/C3): OPREDELITEV KOMPETENC" in page
    assert "&#" not in page


def test_material_dropped_into_content_materials_is_packaged_and_linked(make_content, tmp_path):
    folder = make_content({"materials/MicroQuest_Training_Unit 1_SI.pptx": b"PK slides"})
    (site,) = build(folder, tmp_path / "dist", ["html"])
    assert (site / "materials" / "u1-slides.pptx").read_bytes() == b"PK slides"
    page = lxml_html.fromstring((site / "activities" / "u1-a1.html").read_bytes())
    (link,) = page.xpath("//a[@href='../materials/u1-slides.pptx']")
    assert link.get("download") == "MicroQuest_Training_Unit 1_SI.pptx"


def test_missing_material_links_the_downloads_page(built_site):
    page = lxml_html.fromstring((built_site / "activities" / "u1-a1.html").read_bytes())
    assert (
        page.xpath("//ul[@class='materials']//a/@href")[0] == "https://www.micro-quest.eu/training-workshop-downloads"
    )


def test_same_content_builds_byte_identical_output(tmp_path):
    formats = ["html", "scorm12", "scorm2004"]
    build(CONTENT, tmp_path / "a", formats)
    build(CONTENT, tmp_path / "b", formats)
    build(CONTENT, tmp_path / "a", ["scorm12"], split="unit")
    build(CONTENT, tmp_path / "b", ["scorm12"], split="unit")
    first, second = tree_digest(tmp_path / "a"), tree_digest(tmp_path / "b")
    assert first == second
    assert len([name for name in first if name.endswith(".zip")]) == 9


def test_rendering_is_a_pure_function_of_the_course():
    course = check(CONTENT).course
    assert html.files(course) == html.files(course)
    # 16 activities, the index and the runtime: microquest.css, store.js, codec.js, lms.js, microquest.js, progress.js
    assert len(html.files(course)) == 23


def test_invalid_content_leaves_dist_untouched(make_content, tmp_path):
    out = tmp_path / "dist"
    build(CONTENT, out, ["html"])
    before = tree_digest(out)
    broken = make_content({"units/u2.yaml": ("    duration: 15\n", "    duration: petnajst\n")})
    with pytest.raises(ContentErrors):
        build(broken, out, ["html"])
    assert tree_digest(out) == before
    assert sorted(p.name for p in out.iterdir()) == ["html"]


def test_rebuild_replaces_the_output_whole(tmp_path):
    out = tmp_path / "dist"
    build(CONTENT, out, ["html"])
    (out / "html" / "stale.html").write_text("from an old build")
    build(CONTENT, out, ["html"])
    assert not (out / "html" / "stale.html").exists()
    assert sorted(p.name for p in out.iterdir()) == ["html"]


def test_unwritable_dist_is_a_clear_error_and_changes_nothing(tmp_path):
    blocker = tmp_path / "dist"
    blocker.write_text("a file where the output folder should be")
    with pytest.raises(BuildError) as raised:
        build(CONTENT, blocker / "out", ["html"])
    assert str(raised.value).startswith(f"{blocker / 'out' / 'html'}: cannot write the output: ")
    assert blocker.read_text() == "a file where the output folder should be"


def test_full_disk_during_the_third_format_leaves_the_output_folder_byte_identical_and_says_so():
    """A real full disk: a 4 MiB tmpfs in a private mount namespace (needs root, as CI and this machine run)."""
    import json
    import os
    import shutil
    import subprocess
    import sys

    from tests.project import PROJECT

    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.fail("this test mounts a small tmpfs: run it as root with util-linux's unshare")
    script = PROJECT / "tests" / "builder" / "scripts" / "full_disk_build.py"
    completed = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["exit_code"] == 1
    assert "/dist/html: cannot write the output: No space left on device; " in result["stderr"]
    assert result["stderr"].rstrip().endswith("/dist was not changed")
    assert len(result["stderr"].splitlines()) == 1
    assert result["after"] == result["before"]
    assert result["leftovers"] == []


def catalogue_of(make_content, tmp_path: Path, count: int) -> list[Path]:
    base = make_content()
    folders = []
    for number in range(count):
        folder = tmp_path / "catalogue" / f"course-{number}"
        shutil.copytree(base, folder)
        course = folder / "course.yaml"
        text = course.read_text(encoding="utf-8").replace("id: mq-pr3\n", f"id: mq-pr3-c{number}\n", 1)
        course.write_text(text, encoding="utf-8")
        folders.append(folder)
    return folders


def test_a_catalogue_build_writes_each_course_as_its_own_build_would(make_content, tmp_path):
    folders = catalogue_of(make_content, tmp_path, 3)
    written = build_catalogue(folders, tmp_path / "dist", ["scorm12", "html"], jobs=2)
    assert len(written) == 6
    for folder in folders:
        alone = tmp_path / "alone" / folder.name
        build(folder, alone, ["scorm12", "html"])
        assert tree_digest(tmp_path / "dist" / folder.name) == tree_digest(alone)


def test_a_catalogue_with_errors_in_two_courses_reports_both_and_writes_nothing(make_content, tmp_path):
    folders = catalogue_of(make_content, tmp_path, 3)
    for folder in folders[1:]:
        unit = folder / "units" / "u2.yaml"
        unit.write_text(unit.read_text(encoding="utf-8").replace("    duration: 15\n", "    duration: x\n", 1), "utf-8")
    with pytest.raises(ContentErrors) as raised:
        build_catalogue(folders, tmp_path / "dist", ["html"], jobs=2)
    assert sorted({e.source.path.split("/catalogue/")[1].split("/")[0] for e in raised.value.errors}) == [
        "course-1",
        "course-2",
    ]
    assert not (tmp_path / "dist").exists()
