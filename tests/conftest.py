from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
CONTENT = PROJECT / "content"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"


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
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (see README)")
    with playwright_api.sync_playwright() as playwright:
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
