"""Errors that the command line reports as one line (no traceback)."""


class InfluSimError(Exception):
    """Base class: a user-facing error with a one-line message."""


class ScenarioError(InfluSimError):
    """A scenario field is invalid: names the field and the reason."""

    def __init__(self, field: str, reason: str):
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")

    def __reduce__(self):  # pickled by a worker process, rebuilt by the driver (not from ``args``)
        return type(self), (self.field, self.reason)


class GraphFileError(InfluSimError):
    """A graph file is missing or malformed."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"graph file {self.path}: {reason}")

    def __reduce__(self):
        return type(self), (self.path, self.reason)


class ShortlistError(InfluSimError):
    """A shortlist CSV (your own creators) is malformed: names the file, line and column.

    ``where`` is ``file`` or ``file:line``; ``column`` may be empty.
    """

    def __init__(self, where: str, reason: str, column: str = ""):
        self.where = where
        self.column = column
        self.reason = reason
        super().__init__(f"{where}: {column + ': ' if column else ''}{reason}")

    def __reduce__(self):
        return type(self), (self.where, self.reason, self.column)
