from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.project import AXE, CHROMIUM, CHROMIUM_FLAGS, CONTENT, GOLDEN, PROJECT  # noqa: F401  (re-exported for fixtures)

# Markers by what a test needs, so the fast part can run alone: pytest -m "not browser and not lrs".
# A test is marked by the fixtures it uses (see below) or by its module's `pytestmark`.
MARKERS = {
    "browser": "drives Debian's Chromium through Playwright",
    "lrs": "starts a real LRS on 127.0.0.1 or a real PostgreSQL server",
    "node": "runs the independent JavaScript verifier on node",
    "lti": "starts the LTI tool and a real LTI 1.3 platform (lti1p3platform) on 127.0.0.1",
}
FIXTURE_MARKERS = {
    "browser": "browser",
    "page": "browser",
    "lrs": "lrs",
    "postgres_url": "lrs",
    "lrs_url": "lrs",
    "js_results": "node",
    "lti_platform": "lti",
    "lti_tool": "lti",
}


def pytest_configure(config: pytest.Config) -> None:
    for name, what in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {what}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            if fixture in FIXTURE_MARKERS:
                item.add_marker(FIXTURE_MARKERS[fixture])


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite tests/golden/ from the current output.")


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, bytes], None]:
    """Compare output with tests/golden/<name> byte for byte; show a unified diff on a mismatch."""
    import difflib

    def compare(name: str, actual: bytes) -> None:
        path = GOLDEN / name
        if request.config.getoption("--update-golden"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(actual)
        expected = path.read_bytes()
        if actual != expected:
            diff = difflib.unified_diff(
                expected.decode().splitlines(), actual.decode().splitlines(), f"golden/{name}", "built", lineterm=""
            )
            pytest.fail("output differs from the golden file (review, then --update-golden):\n" + "\n".join(diff))

    return compare


@pytest.fixture(scope="session")
def built_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every package of the real content (whole course and split by unit), built once per session."""
    from builder.build import build

    out = tmp_path_factory.mktemp("packages")
    build(CONTENT, out, ["scorm12", "scorm2004", "scorm2004-multi"])
    build(CONTENT, out, ["scorm12", "scorm2004", "scorm2004-multi"], split="unit")
    return out


@pytest.fixture
def make_content(tmp_path: Path) -> Callable[..., Path]:
    """A copy of the real content/ with edits: {relative path: (old, new)} or {path: None} to delete.

    An edit replaces the first occurrence of `old` and fails if it is absent, so a
    test never silently runs on unedited content.
    """

    def make(edits: dict[str, tuple[str | bytes, str | bytes] | str | bytes | None] | None = None) -> Path:
        folder = tmp_path / "content"
        shutil.copytree(CONTENT, folder, ignore=shutil.ignore_patterns("schema"))
        for name, edit in (edits or {}).items():
            path = folder / name
            if edit is None:
                path.unlink()
            elif isinstance(edit, tuple):
                old, new = edit
                data = path.read_bytes()
                old_b = old.encode() if isinstance(old, str) else old
                new_b = new.encode() if isinstance(new, str) else new
                assert old_b in data, f"{name} does not contain {old!r}"
                path.write_bytes(data.replace(old_b, new_b, 1))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(edit.encode() if isinstance(edit, str) else edit)
        return folder

    return make


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The html preview of the real content, built once per session."""
    from builder.build import build

    out = tmp_path_factory.mktemp("dist")
    build(CONTENT, out, ["html"])
    return out / "html"


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session (never a downloaded browser)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing: pip install -e '.[test]' (see README)", pytrace=False)
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (see README)", pytrace=False)
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` (see README)", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exception: errors.append(str(exception)))
    page.console_errors = errors
    yield page
    context.close()


@pytest.fixture(scope="session")
def lrs():
    """One real LRS (microquest's own, in memory) on 127.0.0.1 for the whole session; `.endpoint`, `.auth`."""
    from xapi.lrs.local import LocalLrs

    with LocalLrs() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url():
    """One real PostgreSQL (Debian's package) for the whole session, in a temporary folder; its URL."""
    import tempfile

    from tests.postgres import PostgresServer, PostgresUnavailable

    try:
        server = PostgresServer(Path(tempfile.mkdtemp(prefix="microquest-pg-"))).__enter__()
    except PostgresUnavailable as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()
