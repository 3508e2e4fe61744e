"""The course on paper: `dist/pdf/facilitator-guide.pdf` and `dist/pdf/worksheets.pdf`, by WeasyPrint.

The HTML is `builder/print_documents.py`'s; the styles are microquest.css (whose print rules lay
out every worksheet as a browser prints it) and `print/print.css`. The same content gives the
same bytes: the documents carry no date, and their PDF identifier is a hash of what they show.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

from ..errors import BuildError
from ..model import Course
from ..print_documents import render_guide, render_worksheets
from ..render import TEMPLATES

OUTPUT = "pdf"
GUIDE = "facilitator-guide.pdf"
PACK = "worksheets.pdf"
STYLESHEETS = (TEMPLATES / "static" / "microquest.css", TEMPLATES / "print" / "print.css")
NEEDS = "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core (see README)"


def outputs(course: Course, split: str | None = None) -> dict[str, dict[str, bytes]]:
    """Both documents in one folder whatever the split: each is the whole course."""
    return {OUTPUT: {GUIDE: pdf_bytes(render_guide(course)), PACK: pdf_bytes(render_worksheets(course))}}


@cache
def _weasyprint() -> Any:
    """WeasyPrint, or a one-line BuildError where it or the Pango it draws text with is missing."""
    try:
        import weasyprint
    except ImportError as error:
        raise BuildError(f"the pdf format needs WeasyPrint ({error}): pip install -e .") from None
    except OSError as error:  # its libraries are loaded at import: Pango, HarfBuzz, fontconfig
        reason = str(error).splitlines()[0]
        raise BuildError(f"the pdf format needs Pango ({reason}): {NEEDS}") from None
    return weasyprint


@cache
def _stylesheets() -> tuple[Any, ...]:
    weasyprint = _weasyprint()
    return tuple(weasyprint.CSS(string=path.read_text("utf-8")) for path in STYLESHEETS)


def pdf_bytes(html: str) -> bytes:
    """The document as a tagged PDF (headings, lists and tables for a screen reader). Nothing is
    fetched (the documents link no file), and nothing in the bytes depends on when or where they
    were made."""
    weasyprint = _weasyprint()
    fetcher = weasyprint.URLFetcher(allowed_protocols=(), fail_on_errors=True)
    document = weasyprint.HTML(string=html, url_fetcher=fetcher)
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32]
    try:
        return document.write_pdf(stylesheets=_stylesheets(), pdf_identifier=identifier.encode("ascii"), pdf_tags=True)
    except OSError as error:
        raise BuildError(f"the pdf could not be made: {error}") from None
