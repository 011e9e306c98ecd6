"""TOTP codes: read as typed, accepted once only.

A code is six digits in any script a user may type them in: Persian
(۰-۹) and Arabic-Indic (٠-٩) digits are read as ASCII, and spaces or
hyphens between groups are ignored.  A code is good within one time step
either side of now (clocks drift), and only once: the account keeps the last
time step it used (``account.totp_last_step``), and a code of that step or an
earlier one is refused, so a code seen over a shoulder or in a log is worth
nothing once used.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import pyotp
from pyotp import utils

__all__ = ["DIGITS", "matching_step", "normalise_code"]

DIGITS = 6
WINDOW = 1  # time steps either side of now
_SEPARATORS = {" ", "-", "\u00a0", "\u200c", "\u200e", "\u200f", "\t"}


def normalise_code(text: str) -> str | None:
    """The code as six ASCII digits, or None if ``text`` is not one.

    Every Unicode decimal digit is read as its value; separators are dropped."""
    out = []
    for ch in text.strip():
        if ch in _SEPARATORS:
            continue
        value = unicodedata.decimal(ch, None)
        if value is None:
            return None
        out.append(str(value))
    code = "".join(out)
    return code if len(code) == DIGITS else None


def matching_step(secret: str, code: str, now: dt.datetime, after: int | None) -> int | None:
    """The time step whose code ``code`` (already normalised) is, if it is within
    the window and later than ``after`` (the last step used); else None."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if after is not None and step <= after:
            continue
        if utils.strings_equal(code, totp.generate_otp(step)):
            return step
    return None
