"""Hostile uploads for the tests and `make bench`: an XLSX zip bomb built in well under a second.

:func:`xlsx_bomb` writes the archive by hand: one megabyte of sheet rows is deflated once (with a
full flush, so the compressed block stands alone) and the block is repeated, which is a valid
deflate stream of the whole sheet — what a bomb maker does, and far quicker than compressing
hundreds of megabytes.
"""

from __future__ import annotations

import struct
import zlib

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>示例物资库</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>长春市</t></is></c><c r="C1"><v>125.3</v></c>'
        '<c r="D1"><v>43.9</v></c></row>').encode()


def xlsx_bomb(rows: int = 1_000_000, dimension: bool = True) -> bytes:
    """A workbook of ``rows`` rows (~200 bytes each): 1 M rows expand to ~214 MB."""
    per_block = max(1, (1 << 20) // len(_ROW))
    blocks = max(1, rows // per_block)
    rows = blocks * per_block
    head = (f'<worksheet xmlns="{MAIN}">'
            + (f'<dimension ref="A1:D{rows}"/>' if dimension else "") + "<sheetData>").encode()
    foot = b"</sheetData></worksheet>"
    body = _ROW * per_block

    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(body) + packer.flush(zlib.Z_FULL_FLUSH)
    last = packer.compress(foot) + packer.flush(zlib.Z_FINISH)
    compressed = first + block * blocks + last
    crc = zlib.crc32(head)
    for _ in range(blocks):
        crc = zlib.crc32(body, crc)
    crc = zlib.crc32(foot, crc)
    size = len(head) + len(body) * blocks + len(foot)

    members = [(b"[Content_Types].xml", _stored(
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'))]
    members.append((b"xl/worksheets/sheet1.xml", (compressed, crc, size, 8)))
    return _zip(members)


def _stored(text: str) -> tuple[bytes, int, int, int]:
    data = text.encode()
    return data, zlib.crc32(data), len(data), 0


def _zip(members: list[tuple[bytes, tuple[bytes, int, int, int]]]) -> bytes:
    out, central = bytearray(), bytearray()
    for name, (data, crc, size, method) in members:
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(data),
                           size, len(name), 0) + name + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, crc,
                               len(data), size, len(name), 0, 0, 0, 0, 0, offset) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                      len(out), 0)
    return bytes(out + central + end)
