"""A finding about learners' records that are used, but not all of them or not as they read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputWarning:
    """Prints as `path:line: field: message`; returned as data (never printed here).

    A statements file, a Moodle report or a people file can each give them; a strict
    run treats each as an error.
    """

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
