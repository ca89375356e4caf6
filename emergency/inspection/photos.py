"""Inspection photos (现场照片): what an upload must be, and where it is kept.

An upload is accepted only when its first bytes are those of a JPEG, PNG or WebP file AND
Pillow decodes it as that same format within the pixel limit; the client's file name and
declared content type are ignored. The bytes are kept as uploaded under
``<instance>/inspection_photos/`` with a random name, beside a JPEG thumbnail (re-encoded, so it
carries no metadata).
"""

from __future__ import annotations

import hashlib
import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
THUMB_SIZE = (320, 320)
# magic bytes → (Pillow format, MIME type, extension)
SIGNATURES = (
    (b"\xff\xd8\xff", ("JPEG", "image/jpeg", "jpg")),
    (b"\x89PNG\r\n\x1a\n", ("PNG", "image/png", "png")),
)
FOLDER = "inspection_photos"


class PhotoError(ValueError):
    def __init__(self, code: str, message_zh: str, message_en: str, status: int = 422) -> None:
        super().__init__(message_en)
        self.code, self.message_zh, self.message_en, self.status = (code, message_zh,
                                                                    message_en, status)


@dataclass(frozen=True)
class CheckedImage:
    mime: str
    ext: str
    width: int
    height: int
    size_bytes: int
    sha256: str


def sniff(data: bytes) -> tuple[str, str, str] | None:
    """(Pillow format, MIME type, extension) from the first bytes; None for anything else."""
    for magic, found in SIGNATURES:
        if data.startswith(magic):
            return found
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ("WEBP", "image/webp", "webp")
    return None


def check_image(data: bytes, max_bytes: int = MAX_BYTES) -> CheckedImage:
    """The image's facts, or PhotoError: empty, too large, not an image, or not decodable."""
    if not data:
        raise PhotoError("empty_file", "文件为空", "the file is empty", 400)
    if len(data) > max_bytes:
        raise PhotoError("file_too_large", f"照片过大(上限 {max_bytes // 2**20} MB)",
                         f"the photo is too large (limit {max_bytes // 2**20} MB)", 413)
    kind = sniff(data)
    if kind is None:
        raise PhotoError("not_an_image", "不是图片:仅接受 JPEG、PNG、WebP 照片",
                         "not an image: only JPEG, PNG and WebP photos are accepted", 415)
    fmt, mime, ext = kind
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as img:
                width, height = img.size
                if width * height > MAX_PIXELS:
                    raise PhotoError("image_too_large", "照片像素过多", "too many pixels", 413)
                img.verify()
            with Image.open(io.BytesIO(data), formats=[fmt]) as img:
                img.load()  # verify() does not decode the pixels; a truncated file fails here
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError("not_an_image", "图片已损坏或无法识别",
                         "the image is damaged or cannot be read", 415) from None
    return CheckedImage(mime, ext, width, height, len(data), hashlib.sha256(data).hexdigest())


def thumbnail(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        img = img.convert("RGB")
        img.thumbnail(THUMB_SIZE)
        out = io.BytesIO()
        img.save(out, "JPEG", quality=80)
        return out.getvalue()


def store(folder: Path, data: bytes, checked: CheckedImage) -> str:
    """Write the photo and its thumbnail; the stored name (random, never the client's)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{checked.ext}"
    (folder / name).write_bytes(data)
    (folder / thumb_name(name)).write_bytes(thumbnail(data))
    return name


def thumb_name(stored_name: str) -> str:
    return stored_name.rsplit(".", 1)[0] + "_t.jpg"


def path_of(folder: Path, stored_name: str, thumb: bool = False) -> Path:
    name = thumb_name(stored_name) if thumb else stored_name
    if "/" in name or "\\" in name or name.startswith("."):
        raise ValueError("bad stored name")
    return folder / name
