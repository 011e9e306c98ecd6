"""What a file says about itself: media type from content, embedded metadata.

Media types come from libmagic (the `file` command's database), never from
the file name.  Metadata readers look at a bounded part of the file; a file
they cannot read is still evidence, so a failure is recorded as a field
instead of refusing the intake.
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import magic

__all__ = ["Field", "buffer_media_type", "media_type", "read_metadata"]

# Fields whose value can identify or locate a person; later disclosure levels
# leave them out.  The original file name is kept with the intake and is
# always sensitive.
SENSITIVE = frozenset({"gps_latitude", "gps_longitude", "gps_altitude", "author",
                       "creator", "last_modified_by", "camera_serial"})
_XML_LIMIT = 1 << 20


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    sensitive: bool


_MAGIC_BYTES = 1 << 20  # libmagic reads up to 7 MiB by default; 1 MiB identifies files


@functools.cache
def _magic() -> magic.Magic:
    m = magic.Magic(mime=True)
    m.setparam(magic.MAGIC_PARAM_BYTES_MAX, _MAGIC_BYTES)
    return m


def media_type(path: Path) -> str:
    try:
        return str(_magic().from_file(str(path)))
    except magic.MagicException:
        return "application/octet-stream"


def buffer_media_type(data: bytes) -> str:
    """The media type of bytes in memory (a member of an archive, an e-mail part)."""
    try:
        return str(_magic().from_buffer(data[:_MAGIC_BYTES]))
    except magic.MagicException:
        return "application/octet-stream"


def read_metadata(path: Path, mime: str) -> list[Field]:
    reader = _reader(mime)
    if reader is None:
        return []
    try:
        found = reader(path)
    except Exception as exc:  # noqa: BLE001 - a damaged file is still evidence
        return [Field("metadata_error", f"{type(exc).__name__}: {exc}"[:500], False)]
    return [Field(k, v, k in SENSITIVE) for k, v in sorted(found.items()) if v]


def _reader(mime: str) -> Callable[[Path], dict[str, str]] | None:
    if mime.startswith("image/"):
        return _image
    if mime == "application/pdf":
        return _pdf
    if mime.startswith("application/vnd.openxmlformats-officedocument"):
        return _ooxml
    if mime.startswith("application/vnd.oasis.opendocument"):
        return _odf
    if mime == "application/zip":  # office files from some tools are seen as plain zip
        return _office_in_zip
    return None


def _office_in_zip(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
    if "docProps/core.xml" in names:
        return _ooxml(path)
    if "meta.xml" in names:
        return _odf(path)
    return {}


def _image(path: Path) -> dict[str, str]:
    from PIL import ExifTags, Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # huge-image warnings: we never decode pixels
        with Image.open(path) as img:
            out = {"width": str(img.width), "height": str(img.height)}
            exif = img.getexif()
            ifd = exif.get_ifd(ExifTags.IFD.Exif)
            gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    out["camera_make"] = _text(exif.get(ExifTags.Base.Make))
    out["camera_model"] = _text(exif.get(ExifTags.Base.Model))
    out["software"] = _text(exif.get(ExifTags.Base.Software))
    out["camera_time"] = _text(ifd.get(ExifTags.Base.DateTimeOriginal)
                               or exif.get(ExifTags.Base.DateTime))
    out["camera_serial"] = _text(ifd.get(ExifTags.Base.BodySerialNumber))
    if gps:
        lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
        lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude),
                       gps.get(ExifTags.GPS.GPSLongitudeRef))
        out["gps_latitude"] = "" if lat is None else f"{lat:.6f}"
        out["gps_longitude"] = "" if lon is None else f"{lon:.6f}"
        alt = gps.get(ExifTags.GPS.GPSAltitude)
        out["gps_altitude"] = "" if alt is None else f"{float(alt):.1f}"
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip("\x00 ")[:500]


def _degrees(dms: Any, ref: Any) -> float | None:
    if not dms or len(dms) != 3:
        return None
    value = float(dms[0]) + float(dms[1]) / 60 + float(dms[2]) / 3600
    return -value if _text(ref) in ("S", "W") else value


def _pdf(path: Path) -> dict[str, str]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    info: Any = reader.metadata or {}
    out = {"pages": str(len(reader.pages))}
    for key, name in (("/Title", "title"), ("/Author", "author"), ("/Subject", "subject"),
                      ("/Creator", "creator_tool"), ("/Producer", "producer"),
                      ("/CreationDate", "created"), ("/ModDate", "modified")):
        value = info.get(key)
        out[name] = _pdf_date(value) if name in ("created", "modified") else _text(value)
    return out


def _pdf_date(value: Any) -> str:
    # PDF dates look like D:19880719083000+03'30'; keep ISO where we can.
    text = _text(value)
    digits = text[2:16] if text.startswith("D:") else ""
    try:
        return dt.datetime.strptime(digits, "%Y%m%d%H%M%S").isoformat()
    except ValueError:
        return text


_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dcterms": "http://purl.org/dc/terms/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
}


def _xml_fields(path: Path, member: str, fields: dict[str, str]) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
        root = ElementTree.fromstring(fh.read(_XML_LIMIT))
    out = {}
    for name, xpath in fields.items():
        node = root.find(xpath, _NS)
        out[name] = _text(node.text if node is not None else None)
    return out


def _ooxml(path: Path) -> dict[str, str]:
    return _xml_fields(path, "docProps/core.xml", {
        "title": "dc:title", "author": "dc:creator", "last_modified_by": "cp:lastModifiedBy",
        "created": "dcterms:created", "modified": "dcterms:modified"})


def _odf(path: Path) -> dict[str, str]:
    return _xml_fields(path, "meta.xml", {
        "title": ".//dc:title", "author": ".//meta:initial-creator",
        "last_modified_by": ".//dc:creator", "created": ".//meta:creation-date",
        "modified": ".//dc:date", "creator_tool": ".//meta:generator"})
