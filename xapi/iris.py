"""The IRIs every statement, profile, package manifest and criterion shares.

Activity IRIs are the course's base IRI plus the stable content ids, so the same
activity has the same IRI in every build, every format and every version of the
content. Nothing here imports the builder: the award side reads statements with
no content model loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"

VERBS = {
    "completed": ADL_VERBS + "completed",
    # Activity Streams "submit": what the learner does with a finished worksheet.
    "submitted": "http://activitystrea.ms/schema/1.0/submit",
    "launched": ADL_VERBS + "launched",
    "initialized": ADL_VERBS + "initialized",
    "terminated": ADL_VERBS + "terminated",
    "satisfied": "https://w3id.org/xapi/adl/verbs/satisfied",
    "voided": ADL_VERBS + "voided",
}
VERB_DISPLAY = {
    "completed": {"en": "completed", "sl": "opravil"},
    "submitted": {"en": "submitted", "sl": "oddal"},
    "launched": {"en": "launched", "sl": "zagnal"},
    "initialized": {"en": "initialized", "sl": "začel"},
    "terminated": {"en": "terminated", "sl": "končal"},
    "satisfied": {"en": "satisfied", "sl": "izpolnil"},
    "voided": {"en": "voided", "sl": "razveljavil"},
}

CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
CMI5_MOVEON_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/moveon"
CMI5_SESSION_ID = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
CMI5_COURSE_TYPE = "https://w3id.org/xapi/cmi5/activitytype/course"
CMI5_BLOCK_TYPE = "https://w3id.org/xapi/cmi5/activitytype/block"
INTERACTION_TYPE = ADL_ACTIVITIES + "cmi.interaction"


@dataclass(frozen=True)
class Iris:
    """The IRIs of one course, from its base IRI (which ends in "/")."""

    base: str

    def course(self, course_id: str) -> str:
        return f"{self.base}courses/{course_id}"

    def unit(self, unit_id: str) -> str:
        return f"{self.base}units/{unit_id}"

    def activity(self, activity_id: str) -> str:
        return f"{self.base}activities/{activity_id}"

    def canvas(self, canvas_id: str) -> str:
        return f"{self.base}canvases/{canvas_id}"

    def field(self, canvas_id: str, field_id: str) -> str:
        return f"{self.canvas(canvas_id)}/fields/{field_id}"

    @property
    def profile(self) -> str:
        return f"{self.base}profile"

    @property
    def profile_version(self) -> str:
        return f"{self.profile}/v1"

    @property
    def responses_extension(self) -> str:
        """Result extension of a canvas submission: {field IRI: answer text, or a table's rows}."""
        return f"{self.profile}/extensions/canvas-responses"

    @property
    def canvas_type(self) -> str:
        return f"{self.profile}/activity-types/canvas"

    @property
    def activity_types(self) -> dict[str, str]:
        return {
            "course": ADL_ACTIVITIES + "course",
            "unit": ADL_ACTIVITIES + "module",
            "activity": ADL_ACTIVITIES + "lesson",
            "canvas": self.canvas_type,
            "field": INTERACTION_TYPE,
        }
