"""A faster reading of an XLSX sheet's cells (快速读取), with openpyxl's answer as the contract.

openpyxl's read-only mode (``iter_rows(values_only=True)``) builds and inspects one XML element
per cell: about 40 s for a 100,000-row materials file on the development machine. Here the
sheet's XML is read as text in chunks and each row's cells are matched by one regular expression
(one C-level ``findall`` per row); shared strings, cell styles (which cells hold dates) and the
date epoch still come from openpyxl's own workbook reading, so the values are the same Python
objects openpyxl gives: str, int, float, bool, datetime / time / timedelta, None; a missing row is
an empty list, a row without cells an empty tuple; a row runs to its last cell.

Only the layouts the common writers produce are read this way (Excel, WPS, LibreOffice,
openpyxl: cells ``<c r="B2" s="1" t="s">`` in that attribute order, values in ``<v>`` or a plain
inline ``<is><t>``). Anything else — a prefixed namespace, rich inline text, cells without a
reference, attributes in another order, a date serial out of range — makes :func:`sheet_rows`
return None and the caller reads the sheet with openpyxl, so a file is never read differently.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from html import unescape
from typing import Any

from openpyxl.utils.datetime import from_excel, from_ISO8601

_CHUNK = 1 << 22  # characters of sheet XML per step
_ROW = re.compile(r"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_ROW_NUMBER = re.compile(r'\sr="(\d+)"')
_CELL = re.compile(
    r'<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="([a-zA-Z]+)")?\s*'
    r'(?:/>|>(?:<f\b[^>]*?(?:/>|>[^<]*</f>))?'
    r'(?:<v>([^<]*)</v>|<v\s*/>|(<is><t(?: xml:space="preserve")?>([^<]*)</t></is>))?</c>)')
_CELL_OPENINGS = ("<c ", "<c\n", "<c\t", "<c\r", "<c>", "<c/>")
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


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _text(raw: str) -> str:
    if "&" not in raw and "\r" not in raw:
        return raw
    if "\r" in raw:  # an XML parser normalises line ends in text
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    return unescape(raw) if "&" in raw else raw


def _rows(source: Any, strings: list, dates: set[int], durations: set[int],
          epoch: Any) -> Iterator[tuple | list]:
    expected = 1
    columns: dict[str, int] = {}
    for text in _chunks(source):
        for m in _ROW.finditer(text):
            number_match = _ROW_NUMBER.search(" " + m.group(1))
            number = int(number_match.group(1)) if number_match else expected
            if number < expected:
                raise _Unsupported("rows out of order")
            while expected < number:  # a missing row, as openpyxl gives it (a list)
                yield []  # type: ignore[misc]
                expected += 1
            inner = m.group(2) or ""
            cells = _CELL.findall(inner)
            if len(cells) != sum(inner.count(opening) for opening in _CELL_OPENINGS):
                raise _Unsupported("a cell this reader does not match")
            if not cells:
                yield ()
                expected += 1
                continue
            last_letters = cells[-1][0]
            width = columns.get(last_letters) or columns.setdefault(last_letters,
                                                                   _column(last_letters))
            row: list[object] = [None] * width
            previous = 0
            for letters, style, kind, v, has_inline, inline in cells:
                col = columns.get(letters)
                if col is None:
                    col = columns[letters] = _column(letters)
                if col <= previous:
                    raise _Unsupported("cells out of order")
                previous = col
                if kind == "inlineStr":  # the common cases inline, the others in _value
                    value: object = _text(inline) if has_inline else None
                elif not v:
                    value = None
                elif kind == "s":
                    value = strings[int(v)]
                elif not kind and not style:
                    value = float(v) if ("." in v or "E" in v or "e" in v) else int(v)
                else:
                    value = _value(kind, style, v, strings, dates, durations, epoch)
                row[col - 1] = value
            yield tuple(row)
            expected += 1


def _value(kind: str, style: str, v: str, strings: list, dates: set[int], durations: set[int],
           epoch: Any) -> object:
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
