"""The one exception hierarchy of kmpost.

Every message is a single line that names where the problem is (file, line, field path or point
index), the bad value, and how to fix it. The command line prints it as ``kmpost: error: ...`` and
exits with status 2; nothing else is shown to the user.
"""

from __future__ import annotations


class KmpostError(Exception):
    """Base class of every error kmpost reports to a user.

    An error may carry several independent problems of one input (``problems``, one line each,
    e.g. every mistake of a roadbook found in one pass); the CLI prints one line per problem.
    """

    def __init__(self, message: str = "", problems: tuple[str, ...] | list[str] | None = None):
        self.problems: tuple[str, ...] = tuple(problems) if problems else (message,)
        super().__init__(message if message else "; ".join(self.problems))


class RoadbookError(KmpostError):
    """A roadbook (YAML) is malformed or inconsistent."""


class TrackError(KmpostError):
    """A track file (GPX, GeoJSON) cannot be read or holds bad coordinates."""


class RouteError(KmpostError):
    """A km, anchor or range does not fit the calibrated route."""


class OutputError(KmpostError):
    """An output could not be written."""
