"""A faster reading of an XLSX sheet's cells (快速读取), with openpyxl's answer as the contract.

openpyxl's read-only mode (``iter_rows(values_only=True)``) builds and inspects one XML element
per cell: about 40 s for a 100,000-row materials file on the development machine. Here the
sheet's XML is read as text in chunks and each row's cells are matched by one regular expression
(one C-level ``findall`` per row; a simpler one first, which fits nearly every cell, the complete
one for a chunk where it did not), the common values converted in one list comprehension per row
(~2 s for that file); shared strings, cell styles (which cells hold dates) and the date epoch
still come from openpyxl's own workbook reading, so the values are the same Python objects
openpyxl gives: str, int, float, bool, datetime / time / timedelta, None; a missing row is an
empty list, a row without cells an empty tuple; a row runs to its last cell.

Only the layouts the common writers produce are read this way (Excel, WPS, LibreOffice,
openpyxl: cells ``<c r="B2" s="1" t="s">`` in that attribute order, values in ``<v>`` or a plain
inline ``<is><t>``). Anything else — a prefixed namespace, rich inline text, cells without a
reference, attributes in another order, a date serial out of range — makes :func:`sheet_rows`
return None and the caller reads the sheet with openpyxl, so a file is never read differently.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator
from html import unescape
from operator import itemgetter
from typing import Any

from openpyxl.utils.datetime import from_excel, from_ISO8601

_CHUNK = 1 << 22  # characters of sheet XML per step
_ROW_START = re.compile(r"<row\b([^>]*?)(/?)>")
_ROW_NUMBER = re.compile(r'\sr="(\d+)"')
# Groups: column letters, style, "i" for t="inlineStr", another type, <v> text, "<" when an
# inline string follows, its text (one-character marks: Python shares them, nothing to allocate).
_CELL = re.compile(
    r'<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="(?:(i)nlineStr|([a-zA-Z]+))")?\s*'
    r'(?:/>|>(?:<f\b[^>]*?(?:/>|>[^<]*</f>))?'
    r'(?:<v>([^<]*)</v>|<v\s*/>|(<)is><t(?: xml:space="preserve")?>([^<]*)</t></is>)?</c>)')
# The same groups for the cells nearly all are (no formula, no spacing): a third faster to
# match, so tried first on each chunk.
_PLAIN_CELL = re.compile(
    r'<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="(?:(i)nlineStr|([a-z]+))")?'
    r'(?:/>|>(?:<v>([^<]*)</v>|(<)is><t>([^<]*)</t></is>)</c>)')
_LETTERS_OF = itemgetter(0)
# A … ZZ: a row whose cells' letters are a prefix of this has no gap
_DENSE = [a + b for a in ("", *map(chr, range(65, 91))) for b in map(chr, range(65, 91))]
_PREFIXED = re.compile(r"<[A-Za-z][\w.-]*:(?:worksheet|sheetData|row|c)\b")


class _Unsupported(Exception):
    """A layout this reader does not handle: read the sheet with openpyxl instead."""


def sheet_rows(workbook: Any, worksheet: Any) -> list[tuple | list] | None:
    """Every row of ``worksheet`` (of a read-only, data-only ``workbook``), or None when this
    reader cannot promise openpyxl's answer."""
    try:
        archive = workbook._archive
        path = worksheet._worksheet_path
        strings = worksheet._shared_strings
        dates = set(workbook._date_formats)
        durations = set(workbook._timedelta_formats)
        epoch = workbook.epoch
    except AttributeError:  # another openpyxl version: take its own way
        return None
    try:
        with archive.open(path) as source:
            return list(_rows(source, strings, dates, durations, epoch))
    except (_Unsupported, KeyError, IndexError, ValueError, OverflowError):
        return None


def _chunks(source: Any) -> Iterator[str]:
    """The sheet XML as text, cut after a ``</row>`` (or where a self-closing row may end)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    buffer = ""
    first = True
    while True:
        data = source.read(_CHUNK)
        buffer += decoder.decode(data, final=not data)
        if first:  # the root element and the first rows are in the first chunk
            if _PREFIXED.search(buffer[:65536]):
                raise _Unsupported("prefixed namespace")
            first = False
        if not data:
            yield buffer
            return
        cut = buffer.rfind("</row>")
        if cut < 0:
            continue
        cut += len("</row>")
        yield buffer[:cut]
        buffer = buffer[cut:]


class _ColumnNumbers(dict):
    """Column letters → 1-based number (A → 1, AA → 27), computed once per letters."""

    def __missing__(self, letters: str) -> int:
        n = 0
        for ch in letters:
            n = n * 26 + ord(ch) - 64
        self[letters] = n
        return n


_COLUMN_NUMBERS = _ColumnNumbers()


def _text(raw: str) -> str:
    if "&" not in raw and "\r" not in raw:
        return raw
    if "\r" in raw:  # an XML parser normalises line ends in text
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    return unescape(raw) if "&" in raw else raw


def _rows(source: Any, strings: list, dates: set[int], durations: set[int],
          epoch: Any) -> Iterator[tuple | list]:
    def value(kind: str, style: str, v: str, inline_mark: str, inline_text: str) -> object:
        return _value(kind, style, v, inline_mark, inline_text, strings, dates, durations, epoch)

    first_row = 1
    for text in _chunks(source):
        rows = _chunk_rows(text, _PLAIN_CELL, first_row, strings, value)
        if rows is None:
            rows = _chunk_rows(text, _CELL, first_row, strings, value)
            if rows is None:
                raise _Unsupported("a cell this reader does not match")
        first_row += len(rows)
        yield from rows


def _chunk_rows(text: str, cell: re.Pattern, first_row: int, strings: list,
                value: Callable[[str, str, str, str, str], object]) -> list[tuple | list] | None:
    """The rows of one chunk from row number ``first_row`` on, or None when ``cell`` did not
    match every cell of them."""
    out: list[tuple | list] = []
    expected = first_row
    matched = 0
    rows_from = rows_to = -1  # the span of the chunk's rows
    for m in _ROW_START.finditer(text):
        if rows_from < 0:
            rows_from = m.start()
        number_match = _ROW_NUMBER.search(" " + m.group(1))
        number = int(number_match.group(1)) if number_match else expected
        if number < expected:
            raise _Unsupported("rows out of order")
        while expected < number:  # a missing row, as openpyxl gives it (a list)
            out.append([])
            expected += 1
        expected += 1
        if m.group(2):  # <row …/>
            rows_to = m.end()
            out.append(())
            continue
        rows_to = text.find("</row>", m.end())
        if rows_to < 0:
            raise _Unsupported("a row without its end")
        cells = cell.findall(text, m.end(), rows_to)
        matched += len(cells)
        if not cells:
            out.append(())
            continue
        # The common cases inline (one list comprehension per row), the others in _value.
        values = [
            inline_text if inline and inline_mark and "&" not in inline_text
            and "\r" not in inline_text
            else strings[int(v)] if kind == "s" and v
            else (float(v) if "." in v or "E" in v or "e" in v else int(v))
            if v and not kind and not inline and not style
            else value("inlineStr" if inline else kind, style, v, inline_mark, inline_text)
            for _letters, style, inline, kind, v, inline_mark, inline_text in cells]
        letters = list(map(_LETTERS_OF, cells))
        if letters == _DENSE[:len(letters)]:  # A, B, C … without a gap: the usual row
            out.append(tuple(values))
            continue
        numbers = list(map(_COLUMN_NUMBERS.__getitem__, letters))
        if numbers != sorted(set(numbers)):
            raise _Unsupported("cells out of order")
        placed = dict(zip(numbers, values, strict=True))
        out.append(tuple(map(placed.get, range(1, numbers[-1] + 1))))
    # Inside rows only cells are elements named c…: one C-level scan counts them all.
    return out if matched == text.count("<c", rows_from, rows_to) else None


def _value(kind: str, style: str, v: str, inline_mark: str, inline_text: str, strings: list,
           dates: set[int], durations: set[int], epoch: Any) -> object:
    if kind == "inlineStr":
        return _text(inline_text) if inline_mark else None
    if not v:
        return None
    if kind == "s":
        return strings[int(v)]
    if kind in ("", "n"):
        number: int | float = float(v) if ("." in v or "E" in v or "e" in v) else int(v)
        style_id = int(style) if style else 0
        if style_id in dates:
            return from_excel(number, epoch, timedelta=style_id in durations)
        return number
    if kind == "b":
        return bool(int(v))
    if kind in ("str", "e"):
        return _text(v)
    if kind == "d":
        return from_ISO8601(v)
    raise _Unsupported(f"cell type {kind!r}")
