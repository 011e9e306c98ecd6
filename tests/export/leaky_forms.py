"""The same protected name in the forms a hostile insider used to slip it past the
dossier's screen (issue 12): each file names the fictional protected witness
Shirin Fictional-Namdar (شیرین نامدار) so that only a reader of that format sees it."""

from __future__ import annotations

import base64
import gzip
import io
import quopri
import zipfile

NAME = "Shirin Fictional-Namdar"
NAME_FA = "شیرین نامدار"

CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
                 b'openxmlformats.org/package/2006/content-types"><Default Extension="xml" '
                 b'ContentType="application/xml"/></Types>')


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def _docx(body: str, footnotes: str = "") -> bytes:
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    members = {"[Content_Types].xml": CONTENT_TYPES,
               "word/document.xml": f"<w:document {ns}><w:body>{body}</w:body></w:document>"
               .encode()}
    if footnotes:
        members["word/footnotes.xml"] = (f"<w:footnotes {ns}><w:footnote><w:p><w:r><w:t>"
                                         f"{footnotes}</w:t></w:r></w:p></w:footnote>"
                                         "</w:footnotes>").encode()
    return _zip(members)


def _mail(body: bytes, encoding: str, ctype: str = "text/plain") -> bytes:
    head = (f"From: documenter@example.org\nTo: lawyer@example.org\nSubject: notes\n"
            f"MIME-Version: 1.0\nContent-Type: {ctype}; charset=utf-8\n"
            f"Content-Transfer-Encoding: {encoding}\n\n").encode()
    coded = base64.encodebytes(body) if encoding == "base64" else quopri.encodestring(body)
    return head + coded


def _rtf_escaped(text: str) -> bytes:
    return ("{\\rtf1\\ansi\\ansicpg1252\\deff0 {\\fonttbl{\\f0 Arial;}}\\f0 Testimony of "
            + "".join(f"\\u{ord(c)}?" if ord(c) > 127 else c for c in text) + "\\par}").encode()


def leaky_forms() -> dict[str, bytes]:
    """Form name -> file bytes that name the protected witness."""
    persian = f"شهادت {NAME_FA} درباره زندان".encode()
    return {
        "html-numeric-references": b"<html><body><p>Testimony of N&#97;md&#x61;r, "
                                   b"Shirin</p></body></html>",
        "html-nbsp": b"<html><body><p>Shirin&nbsp;Nam&#100;ar</p></body></html>",
        "html-tag-inside-name": b"<html><body><p>Testimony of Shirin Nam<b>dar</b></p>"
                                b"</body></html>",
        "email-base64": _mail(f"Testimony of {NAME}\n".encode(), "base64"),
        "email-quoted-printable": _mail(persian + b"\n", "quoted-printable"),
        "email-html-base64": _mail(b"<p>Testimony of Nam<i>dar</i></p>", "base64",
                                   "text/html"),
        "text-with-nul": f"Testimony of {NAME}\n".encode() + b"\x00" + b"more notes\n" * 20,
        "docx-split-runs": _docx("<w:p><w:r><w:t>Testimony of Shirin Nam</w:t></w:r>"
                                 "<w:r><w:rPr><w:b/></w:rPr><w:t>dar</w:t></w:r></w:p>"),
        "docx-footnote-only": _docx("<w:p><w:r><w:t>A testimony (see note).</w:t></w:r>"
                                    "</w:p>", footnotes=NAME),
        "xlsx-shared-string": _zip({
            "[Content_Types].xml": CONTENT_TYPES,
            "xl/workbook.xml": b"<workbook/>",
            "xl/sharedStrings.xml": f"<sst><si><t>{NAME_FA}</t></si></sst>".encode()}),
        "zip-of-text": _zip({"notes/witness.txt": persian}),
        "gzip-of-text": gzip.compress(f"Testimony of {NAME}\n".encode() * 3, mtime=0),
        "rtf-unicode-escapes": _rtf_escaped(NAME_FA),
        "utf16-without-bom": persian.decode().encode("utf-16-le"),
        "utf8-with-a-stray-byte": persian[:10] + b"\xff" + persian[10:] + b"\n",
        # The code page has Arabic yeh and kaf only, as old files have.
        "cp1256": persian.decode().replace("ی", "ي").replace("ک", "ك").encode("cp1256"),
    }


def clean_forms() -> dict[str, bytes]:
    """The same forms naming nobody: the screen must not flag them."""
    return {
        "html": b"<html><body><p>The commission&nbsp;met in Mordad &#49;367.</p></body></html>",
        "email-base64": _mail(b"The commission met in Mordad 1367.\n", "base64"),
        "docx": _docx("<w:p><w:r><w:t>The commission met</w:t></w:r></w:p>"),
        "gzip-of-text": gzip.compress(b"The commission met in Mordad 1367.\n", mtime=0),
        "rtf": _rtf_escaped("خاوران"),
        "utf16-without-bom": "گزارش کمیسیون مرگ در خاوران".encode("utf-16-le"),
    }
