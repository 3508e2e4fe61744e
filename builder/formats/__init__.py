"""One module per output format: `outputs(course, split) -> {output name in dist/: {path: bytes}}`.

Format modules are imported when a build asks for them, so a command that builds
nothing (validate, --help) never loads lxml or the templates.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

# format name (as the command line says it) -> the module that renders it
MODULES = {
    "scorm12": "scorm12",
    "scorm2004": "scorm2004",
    "html": "html",
    "xapi": "tincan",
    "cmi5": "cmi5",
}
NAMES = tuple(MODULES)
DEFAULT = ("scorm12",)
SPLITS = ("unit",)


def outputs_function(name: str) -> Callable[[Any, str | None], dict[str, dict[str, bytes]]]:
    """The format's `outputs(course, split)`; KeyError for a name that is not a format."""
    return import_module(f"{__name__}.{MODULES[name]}").outputs
