"""One module per output format: `outputs(course, split) -> {output name in dist/: {path: bytes}}`.

Format modules are imported when a build asks for them, so a command that builds
nothing (validate, --help) never loads lxml or the templates.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

# format name (as the command line says it) -> the module that renders it ("module:function"
# where it is not the module's `outputs`)
MODULES = {
    "scorm12": "scorm12",
    "scorm2004": "scorm2004",
    "html": "html",
    "xapi": "tincan",
    "cmi5": "cmi5",
    "scorm2004-multi": "scorm2004:multi_outputs",
    "pdf": "pdf",
}
NAMES = tuple(MODULES)
DEFAULT = ("scorm12",)
# What `--format all` builds: every format but pdf, which takes seconds more (WeasyPrint lays out
# some 50 pages) and is built when named.
ALL = tuple(name for name in NAMES if name != "pdf")
SPLITS = ("unit",)


def outputs_function(name: str) -> Callable[[Any, str | None], dict[str, dict[str, bytes]]]:
    """The format's `outputs(course, split)`; KeyError for a name that is not a format."""
    module, _, function = MODULES[name].partition(":")
    return getattr(import_module(f"{__name__}.{module}"), function or "outputs")
