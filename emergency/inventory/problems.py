"""Problems found in an inventory file: where (row, column heading) and why (zh + en)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One error or warning.

    ``row`` is the row number a spreadsheet shows (the heading row is usually 1); None for a
    problem with the file as a whole. ``column`` is the column heading as written in the file's
    template; None when the problem concerns the whole row. ``value`` is the offending cell.
    """

    row: int | None
    column: str | None
    code: str
    message_zh: str
    message_en: str
    value: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row is not None else "文件"
        if self.column:
            where += f"「{self.column}」"
        return f"{where}: {self.message_zh} / {self.message_en}"
