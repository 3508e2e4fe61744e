"""The jinja2 environment and the view helpers templates use.

Templates only present: anything computed (labels, links, ids) is computed here.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.bccache import Bucket

from .model import Activity, Canvas, Course, Field, MaterialUse, Unit

TEMPLATES = Path(__file__).resolve().parent.parent / "scorm_templates"


class _TemplateCache(FileSystemBytecodeCache):
    """Compiled templates kept between runs (compiling them is most of a cold build's time).

    Keyed by jinja2 on each template's source, so an edited template is compiled again. A
    cache that cannot be read or written (read-only home, full disk) is simply not used.
    """

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError):
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _template_cache() -> _TemplateCache | None:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "microquest" / "jinja2"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _TemplateCache(str(folder))


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        bytecode_cache=_template_cache(),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["field_id"] = field_dom_id
    env.filters["print_columns"] = print_columns
    env.filters["blank_print_rows"] = blank_print_rows
    return env


def static_file(name: str) -> bytes:
    return (TEMPLATES / "static" / name).read_bytes()


def field_dom_id(field: Field, canvas_id: str) -> str:
    return f"f-{canvas_id}-{field.id}"


# A blank table prints this many rows to write in; one that allows at most ten rows prints them all
# (the issuing worksheet asks for its ten principles).
PRINTED_TABLE_ROWS = 4


def print_columns(canvas: Canvas) -> int:
    """How many columns a printed worksheet sets its fields in (its tables span them all), so that
    it fits one landscape sheet where it can: up to five side by side, but four two by two (their
    help texts are long), and more than five three to a row."""
    count = sum(1 for f in canvas.fields if f.type != "table")
    return 2 if count == 4 else 3 if count > 5 else max(count, 1)


def blank_print_rows(field: Field) -> list[str]:
    """The labels of the rows a table prints after its own, to be filled in by hand."""
    if field.row_labels:
        return []
    total = field.rows_max if field.rows_max and field.rows_max <= 10 else PRINTED_TABLE_ROWS
    return [f"{row}." for row in range(field.initial_rows + 1, total + 1)]


@dataclass(frozen=True)
class Link:
    href: str
    text: str


@dataclass(frozen=True)
class MaterialView:
    """One line of 'Gradiva': its label, and where the file can be had."""

    prefix: str
    name: str
    href: str | None
    download: str | None
    external: bool


# Path segments that say nothing about the page ("…/article/view/709" is article 709).
_GENERIC_SEGMENTS = {"view", "index.php", "index.html", "home", "watch", "files", "wp-content", "uploads"}
_PAGE_EXTENSIONS = {"html", "htm", "php", "aspx"}


def _readable_segment(segment: str) -> str:
    """A path segment as words: 'what-is-a-microcredential' → 'what is a microcredential'.

    A segment that already has spaces ('Micro-Credential Guidelines.pdf') keeps its hyphens.
    """
    stem, dot, extension = segment.rpartition(".")
    suffix = ""
    if dot and stem and extension.lower() == "pdf":
        segment, suffix = stem, " (PDF)"
    elif dot and stem and extension.lower() in _PAGE_EXTENSIONS:
        segment = stem
    words = segment.replace("_", " ") if " " in segment else re.sub(r"[-_]+", " ", segment)
    return re.sub(r"\s+", " ", words).strip() + suffix


def _video_text(query: dict[str, list[str]]) -> str:
    text = "videoposnetek"
    if "index" in query and "list" in query:
        text += f" št. {query['index'][0]} s seznama predvajanja"
    seconds = query.get("t", [""])[0].rstrip("s")
    if seconds.isdigit():
        minutes, rest = divmod(int(seconds), 60)
        text += f" od {minutes}:{rest:02d}"
    return text


def link_text(url: str, depth: int = 1) -> str:
    """Readable text for a link the seed gives as a bare URL: the site, and what its address says
    the page is ('oregonstate.edu – what is a microcredential', 'youtu.be – videoposnetek od 11:55').

    The seed names none of its linked pages, so the words come from the address itself; `depth`
    is how many of the path's telling segments to use.
    """
    parts = urlsplit(url)
    host = (parts.hostname or url).removeprefix("www.")
    if host in ("youtube.com", "youtu.be", "m.youtube.com"):
        return f"{host} – {_video_text(parse_qs(parts.query))}"
    words: list[str] = []
    numbers: list[str] = []  # digits name the page of the segment before them ("article 709")
    for segment in reversed([unquote(s) for s in parts.path.split("/") if s]):
        if segment.isdigit():
            numbers.insert(0, segment)
        elif segment.lower() not in _GENERIC_SEGMENTS:
            words.insert(0, " ".join([_readable_segment(segment), *numbers]))
            numbers = []
            depth -= 1
            if depth == 0:
                break
    return f"{host} – {' / '.join(words)}" if words else host


def resource_links(urls: tuple[str, ...]) -> list[Link]:
    """The links of a 'Viri' list; two different pages never read the same."""
    short = {url: link_text(url) for url in urls}
    repeated = {text for url, text in short.items() if any(short[o] == text for o in short if o != url)}
    return [Link(url, link_text(url, depth=2) if short[url] in repeated else short[url]) for url in urls]


def material_view(use: MaterialUse, course: Course, root: str) -> MaterialView:
    if use.material is None:
        return MaterialView(use.kind_label, use.text, None, None, False)
    if use.material.package_path:
        return MaterialView(
            use.kind_label, use.material.name, root + use.material.package_path, use.material.name, False
        )
    # The file is not in content/materials/: point at the project's downloads page.
    return MaterialView(use.kind_label, use.material.name, course.downloads_url or None, None, True)


def activity_path(activity: Activity) -> str:
    return f"activities/{activity.id}.html"


def _slovenian_count(number: int, one: str, two: str, few: str, many: str) -> str:
    """'1 ura', '2 uri', '3 ure', '5 ur': Slovenian nouns after a number go by its last two digits."""
    rest = number % 100
    word = one if rest == 1 else two if rest == 2 else few if rest in (3, 4) else many
    return f"{number} {word}"


def minutes_text(minutes: float) -> str:
    """A length of time in hours and minutes, as a learner reads it: '12 ur', '30 minut', '1 ura in 30 minut'.

    The overview table counts in learning units ('2 učni enoti', 60 minutes each); pages say the
    time itself, so 'učna enota' means only a unit of the course.
    """
    hours, rest = divmod(round(minutes), 60)
    parts = []
    if hours:
        parts.append(_slovenian_count(hours, "ura", "uri", "ure", "ur"))
    if rest or not hours:
        parts.append(_slovenian_count(rest, "minuta", "minuti", "minute", "minut"))
    return " in ".join(parts)


def course_minutes(course: Course) -> float:
    """The course's length as its overview table declares it (in learning units of the stated minutes)."""
    return sum(row.duration for row in course.overview) * course.learning_unit_minutes


@dataclass(frozen=True)
class Position:
    """Where an activity stands in the course: 'Aktivnost 5 od 16'."""

    number: int
    total: int


def neighbours(course: Course, activity: Activity) -> tuple[Activity | None, Activity | None]:
    activities = course.activities
    index = activities.index(activity)
    before = activities[index - 1] if index > 0 else None
    after = activities[index + 1] if index + 1 < len(activities) else None
    return before, after


def unit_of(course: Course, activity: Activity) -> Unit:
    return next(u for u in course.units if u.id == activity.unit_id)


def render_activity(
    course: Course,
    activity: Activity,
    *,
    root: str = "../",
    standalone_nav: bool = True,
    standard: str = "none",
    statement_plan: dict | None = None,
) -> str:
    """One activity page. `standard` names the LMS API the runtime talks to: scorm12, scorm2004,
    xapi, cmi5 or none; xAPI and cmi5 pages carry their `statement_plan` (IRIs, verbs, definitions)."""
    before, after = neighbours(course, activity)
    following = None
    if standalone_nav:
        following = (
            Link(root + activity_path(after), f"{after.number} {after.title}")
            if after
            else Link(root + "index.html", "pregled tečaja")
        )
    return (
        environment()
        .get_template("sco/activity.html.j2")
        .render(
            course=course,
            unit=unit_of(course, activity),
            activity=activity,
            materials=[material_view(m, course, root) for m in activity.materials],
            resources=resource_links(activity.resources),
            root=root,
            standard=standard,
            statement_plan=statement_plan,
            previous=Link(root + activity_path(before), f"{before.number} {before.title}")
            if before and standalone_nav
            else None,
            next=following,
            next_is_activity=after is not None,
            position=Position(course.activities.index(activity) + 1, len(course.activities)),
            home=Link(root + "index.html", course.label or course.title) if standalone_nav else None,
        )
    )


def render_index(course: Course, standard: str = "none") -> str:
    first = course.activities[0]
    # One click from the index to the first worksheet, not only to the first page.
    worksheet = next((a for a in course.activities if a.canvas), None)
    return (
        environment()
        .get_template("html/index.html.j2")
        .render(
            course=course,
            standard=standard,
            units=[(u, [(a, activity_path(a)) for a in u.activities]) for u in course.units],
            first=Link(activity_path(first), f"{first.number} {first.title}"),
            first_worksheet=Link(
                f"{activity_path(worksheet)}#canvas-{worksheet.canvas.id}-title",
                f"{worksheet.number} {worksheet.canvas.title}",
            )
            if worksheet
            else None,
            activity_count=len(course.activities),
            course_length=minutes_text(course_minutes(course)),
            overview=[(row, minutes_text(row.duration * course.learning_unit_minutes)) for row in course.overview],
            downloads=Link(course.downloads_url, link_text(course.downloads_url)) if course.downloads_url else None,
            root="",
        )
    )
