"""Errors a person can act on.

Every problem with user input is raised as :class:`InputError`, which carries
where the problem is (file, row, column), what was expected and how to fix it.
The app and the command line show :meth:`InputError.message` instead of a
traceback.
"""

from __future__ import annotations

__all__ = ["InputError", "EstimationError"]


class InputError(ValueError):
    """A problem with data the user supplied, described so they can fix it.

    Parameters
    ----------
    problem : str
        What is wrong, in plain words ("3 area codes are not valid GSS codes").
    file : str, optional
        Name of the file (or table) the problem is in.
    row : int or sequence of int, optional
        Row number(s) as a spreadsheet shows them (header is row 1, first data
        row is row 2).
    column : str or sequence of str, optional
        Column name(s) involved.
    expected : str, optional
        What was expected instead.
    fix : str, optional
        What the user can do about it.

    Examples
    --------
    >>> err = InputError("count is negative", file="homeless.csv", row=7,
    ...                  column="count", expected="a whole number of 0 or more",
    ...                  fix="Correct the value or leave it blank if unknown.")
    >>> print(err.message)
    homeless.csv, row 7, column 'count': count is negative. Expected a whole number of 0 or more. Correct the value or leave it blank if unknown.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        row: int | list[int] | tuple[int, ...] | None = None,
        column: str | list[str] | tuple[str, ...] | None = None,
        expected: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = file
        self.row = row
        self.column = column
        self.expected = expected
        self.fix = fix
        super().__init__(self.message)

    @property
    def where(self) -> str:
        """The location part of the message, e.g. ``"a.csv, row 3, column 'count'"``."""
        parts: list[str] = []
        if self.file:
            parts.append(str(self.file))
        if self.row is not None:
            if isinstance(self.row, (list, tuple)) and len(self.row) == 1:
                parts.append(f"row {self.row[0]}")
            elif isinstance(self.row, (list, tuple)):
                shown = ", ".join(str(r) for r in list(self.row)[:10])
                more = "" if len(self.row) <= 10 else f" and {len(self.row) - 10} more"
                parts.append(f"rows {shown}{more}")
            else:
                parts.append(f"row {self.row}")
        if self.column is not None:
            if isinstance(self.column, (list, tuple)) and len(self.column) == 1:
                parts.append(f"column {self.column[0]!r}")
            elif isinstance(self.column, (list, tuple)):
                parts.append("columns " + ", ".join(repr(c) for c in self.column))
            else:
                parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    @property
    def message(self) -> str:
        """The whole message as one readable sentence or three."""
        return self._told(self.where)

    @property
    def unlocated(self) -> str:
        """The message without its place: the problem, what was expected and the fix.

        For a reader who gave no file: a column name alone (``column
        'indicator'``) is the program's, not theirs.

        Examples
        --------
        >>> InputError("there is no indicator 'x'", column="indicator", fix="Pick one").unlocated
        "there is no indicator 'x'. Pick one."
        """
        return self._told("")

    def _told(self, where: str) -> str:
        text = self.problem.rstrip(".") + "."
        if where:
            text = f"{where}: {text}"
        if self.expected:
            text += f" Expected {self.expected.rstrip('.')}."
        if self.fix:
            text += " " + self.fix.rstrip(".") + "."
        return text

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class EstimationError(ValueError):
    """An estimate that cannot be made from the data given, with the reason.

    Raised instead of returning a number that would mislead (for example a
    capture-recapture estimate from two lists with no overlap).
    """
