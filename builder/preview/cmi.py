"""The CMI data model as the preview LMS keeps it between launches (SCORM 1.2 RTE, SCORM 2004 RTE).

Like Moodle, the LMS keeps a SCO's data from launch to launch (it never starts a new
attempt): every commit is merged into what the SCO committed before (`merge`), and the
next launch starts from that (`launch_cmi`) without what belongs to one session, with
`entry` "resume" after `exit` "suspend", "ab-initio" on the first launch and "" otherwise
(`entry_value`), and total_time with the last unfinished session's time added.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .scorm_packages import TocItem

DEFAULT_LEARNER_ID = "learner-1"
DEFAULT_LEARNER_NAME = "Novak, Ana"


@dataclass
class ScoState:
    """What the LMS keeps of one SCO for one learner: every commit merged into one CMI object."""

    cmi: dict[str, Any] | None = None
    commits: int = 0
    terminated: bool = False  # the last commit was LMSFinish's / Terminate's


@dataclass(frozen=True)
class Learner:
    id: str = DEFAULT_LEARNER_ID
    name: str = DEFAULT_LEARNER_NAME


def merge(stored: dict[str, Any], committed: dict[str, Any]) -> dict[str, Any]:
    """`committed` over `stored`, object by object: a commit that omits a value keeps the old one."""
    merged = dict(stored)
    for key, value in committed.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


_TIMESPAN_12 = re.compile(r"^(\d+):(\d{2}):(\d{2})(\.\d{1,2})?$")
_DURATION_2004 = re.compile(
    r"^P(?:(?P<Y>\d+(?:\.\d+)?)Y)?(?:(?P<MO>\d+(?:\.\d+)?)M)?(?:(?P<W>\d+(?:\.\d+)?)W)?(?:(?P<D>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<H>\d+(?:\.\d+)?)H)?(?:(?P<MI>\d+(?:\.\d+)?)M)?(?:(?P<S>\d+(?:\.\d+)?)S)?)?$"
)
_DURATION_SECONDS = {"Y": 365 * 86400, "MO": 30 * 86400, "W": 7 * 86400, "D": 86400, "H": 3600, "MI": 60, "S": 1}


def timespan_centiseconds(version: str, value: str) -> int:
    """A CMITimespan (1.2: HHHH:MM:SS.SS; 2004: ISO 8601 duration) in hundredths of a second; 0 if invalid."""
    value = (value or "").strip()
    try:
        if version == "1.2":
            match = _TIMESPAN_12.match(value)
            if not match:
                return 0
            hours, minutes, seconds, fraction = match.groups()
            total = Decimal(int(hours) * 3600 + int(minutes) * 60 + int(seconds)) + Decimal(fraction or "0")
        else:
            match = _DURATION_2004.match(value)
            if not match:
                return 0
            total = sum(
                (Decimal(amount) * _DURATION_SECONDS[unit] for unit, amount in match.groupdict().items() if amount),
                Decimal(0),
            )
    except InvalidOperation:
        return 0
    return int(total * 100)


def format_timespan(version: str, centiseconds: int) -> str:
    hours, rest = divmod(max(centiseconds, 0), 360000)
    minutes, rest = divmod(rest, 6000)
    seconds, hundredths = divmod(rest, 100)
    if version == "1.2":
        return f"{hours:04d}:{minutes:02d}:{seconds:02d}" + (f".{hundredths:02d}" if hundredths else "")
    fraction = f".{hundredths:02d}".rstrip("0") if hundredths else ""
    parts = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    parts += f"{seconds}{fraction}S" if seconds or hundredths or not parts else ""
    return f"PT{parts}"


def entry_value(version: str, previous_exit: str | None, has_suspend_data: bool) -> str:
    """cmi.core.entry / cmi.entry for the next launch, from the last session's exit.

    No earlier session: "ab-initio"; after "suspend": "resume". In 2004, as
    scorm-again's Scorm2004API.determineEntryValue: "time-out" with suspend data
    resumes, an empty exit counts as a fresh start; anything else gives "".
    """
    if previous_exit is None:
        return "ab-initio"
    if previous_exit == "suspend":
        return "resume"
    if version == "2004":
        if previous_exit.strip() == "":
            return "ab-initio"
        if previous_exit == "time-out" and has_suspend_data:
            return "resume"
    return ""


def _set_path(cmi: dict[str, Any], element: str, value: str) -> None:
    keys = element.split(".")[1:]  # without the leading "cmi"
    target = cmi
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target.setdefault(keys[-1], value)


def launch_cmi(version: str, state: ScoState | None, learner: Learner, item: TocItem) -> dict[str, Any]:
    """The CMI object (for scorm-again's loadFromJSON) a new launch of the SCO starts from.

    The stored data minus what belongs to one session (exit, session_time), with
    entry and total_time worked out as an LMS does, the learner set, and the
    manifest's values (launch data, mastery score …) where the SCO has none.
    """
    stored = copy.deepcopy(state.cmi) if state is not None and state.cmi is not None else None
    cmi: dict[str, Any] = stored or {}
    session = cmi.setdefault("core", {}) if version == "1.2" else cmi
    previous_exit = session.pop("exit", "") if stored is not None else None
    session_time = session.pop("session_time", "")
    session.pop("entry", None)
    total = timespan_centiseconds(version, session.get("total_time", ""))
    if state is not None and not state.terminated:
        total += timespan_centiseconds(version, session_time)
    session["entry"] = entry_value(version, previous_exit, bool(cmi.get("suspend_data")))
    session["total_time"] = format_timespan(version, total)
    if version == "1.2":
        if session.get("lesson_status") == "not attempted":
            del session["lesson_status"]  # scorm-again sets it at LMSInitialize
        session.update(student_id=learner.id, student_name=learner.name, credit="credit", lesson_mode="normal")
    else:
        cmi.update(learner_id=learner.id, learner_name=learner.name, credit="credit", mode="normal")
    for element, value in item.lms_data:
        _set_path(cmi, element, value)
    return cmi
