"""microquest: the MICRO QUEST workshop curriculum as SCORM, xAPI and cmi5 packages."""

__version__ = "0.1.0"
