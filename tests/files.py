"""Real files for the vault tests: PDFs with a text layer, photos with EXIF, scans, Word."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def text_pdf(lines: list[str], *, title: str = "", author: str = "") -> bytes:
    """A small real PDF with a text layer (Helvetica, Latin text), two pages."""
    objects: list[bytes] = []
    pages = []
    for i, line in enumerate(lines):
        stream = f"BT /F1 24 Tf 72 700 Td ({line}) Tj ET".encode()
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        content_no = len(objects)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
                       % (content_no + 3))
        pages.append(len(objects) + 3)
        del i
    head = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % p for p in pages), len(pages)),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    info = f"<< /Title ({title}) /Author ({author}) /CreationDate (D:19880815090000) >>"
    everything = head + objects + [info.encode()]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(everything, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (n, obj))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(everything) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(everything) + 1, len(everything), xref))
    return out.getvalue()


def photo_with_gps(path: Path) -> Path:
    """A JPEG with EXIF camera time, make and GPS position, as a phone writes it."""
    img = Image.new("RGB", (64, 48), (120, 90, 60))
    exif = Image.Exif()
    exif[0x010F] = "FictionalCam"  # Make
    exif[0x0110] = "Model 88"  # Model
    exif.get_ifd(0x8769)[0x9003] = "1988:08:15 09:30:00"  # DateTimeOriginal
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (35.0, 36.0, 36.0)  # 35.61 N
    gps[3] = "E"
    gps[4] = (51.0, 32.0, 24.0)  # 51.54 E
    img.save(path, "JPEG", exif=exif)
    return path


def scan_image(path: Path) -> Path:
    """A 'scan' with an English and a Persian line, for OCR."""
    font = ImageFont.truetype(FONT, 48, layout_engine=ImageFont.Layout.RAQM)
    img = Image.new("L", (1400, 300), 255)
    draw = ImageDraw.Draw(img)
    draw.text((40, 40), "Khavaran cemetery 1988", font=font, fill=0)
    draw.text((1360, 160), "گورستان خاوران تهران", font=font, fill=0, direction="rtl",
              anchor="ra")
    img.save(path, "PNG")
    return path


def docx(path: Path, *, title: str, author: str) -> Path:
    """A minimal Word document with core properties."""
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{title}</dc:title><dc:creator>{author}</dc:creator>"
        "<cp:lastModifiedBy>Editor</cp:lastModifiedBy>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">2019-03-01T10:00:00Z</dcterms:created>'
        "</cp:coreProperties>")
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/></Types>')
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                    'openxmlformats.org/package/2006/relationships"/>')
        zf.writestr("word/document.xml", "<w:document xmlns:w='http://schemas.openxmlformats"
                    ".org/wordprocessingml/2006/main'><w:body/></w:document>")
        zf.writestr("docProps/core.xml", core)
    return path
