"""Working copies that Khavaran makes itself: PDF text and OCR.

Both read the stored original (read-only) and return the bytes of the new
working copy with the tool and parameters to record in its lineage.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from khavaran.errors import EvidenceError

__all__ = ["DERIVED_KINDS", "Made", "extract_pdf_text", "ocr_image", "tesseract_version"]

# Kinds of working copy; `text` and `ocr` can be made by Khavaran itself.
DERIVED_KINDS = ("ocr", "text", "translation", "redaction", "transcript", "transcode",
                 "excerpt")
OCR_TIMEOUT = 600


@dataclass(frozen=True)
class Made:
    content: bytes
    tool: str
    params: dict[str, Any] = field(default_factory=dict)


def extract_pdf_text(path: Path) -> Made:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        # A form feed between pages, as pdftotext does, keeps page locators usable.
        text = "\f".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise EvidenceError(f"cannot extract text from this PDF: {exc}") from None
    return Made(text.encode("utf-8"), f"pypdf {version('pypdf')} extract_text",
                {"page_separator": "form feed"})


def tesseract_version() -> str:
    exe = shutil.which("tesseract")
    if exe is None:
        raise EvidenceError("OCR needs Tesseract: install Debian's tesseract-ocr and "
                            "tesseract-ocr-fas (make test does)")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    first = (out.stdout or out.stderr).splitlines()
    return first[0].strip() if first else "tesseract"


def ocr_image(path: Path, languages: str = "fas+eng") -> Made:
    tool = tesseract_version()
    try:
        done = subprocess.run(["tesseract", str(path), "stdout", "-l", languages],
                              capture_output=True, timeout=OCR_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise EvidenceError(f"OCR took longer than {OCR_TIMEOUT} s and was stopped") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise EvidenceError(f"Tesseract (languages '{languages}') could not read this file: "
                            + (message[-1] if message else f"exit {done.returncode}")
                            + " (is each language installed? tesseract --list-langs)")
    return Made(done.stdout, tool, {"languages": languages})
