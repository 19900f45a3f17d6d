"""Exceptions shared by every SpikeStudio layer.

Every error a user can cause carries a message that names the problem, and, where it is about
one field of a document, the path of that field so that views can highlight it.
"""

from __future__ import annotations


class SpikeStudioError(Exception):
    """Base class of all errors raised on purpose by SpikeStudio."""


class ValidationError(SpikeStudioError):
    """A value or a document that breaks a rule.

    Parameters
    ----------
    message
        What is wrong, in words a user understands (``"must be > 0 ms"``).
    field
        Path of the offending field (``"nodes[2].params.tau_m"``), or ``""`` when the error is
        about the whole document.
    """

    def __init__(self, message: str, field: str = "") -> None:
        self.message = message
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)

    def within(self, prefix: str) -> ValidationError:
        """Return a copy whose field path is prefixed by ``prefix``."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        if self.field.startswith("["):
            field = f"{prefix}{self.field}"
        return ValidationError(self.message, field)


class ProjectFileError(SpikeStudioError):
    """A project file that cannot be loaded; lists every problem found.

    Parameters
    ----------
    path
        The file concerned, for messages.
    problems
        One :class:`ValidationError` per problem.
    """

    def __init__(self, path: str, problems: list[ValidationError]) -> None:
        self.path = path
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{path}: {len(self.problems)} problem(s)\n{lines}")


class UnsupportedVersionError(ProjectFileError):
    """A project file written by a newer SpikeStudio than this one."""


class SimulationError(SpikeStudioError):
    """The simulation could not go on (a NaN in the state, a full buffer, bad settings)."""


class MemoryBudgetError(SpikeStudioError):
    """A network too large to build in the memory this machine has."""
