""""Correct this entry" on the public memorial, and the team's review of it.

A visitor needs no account.  Instead:

- a challenge that needs no third-party service: a small sum to work out, whose
  numbers and time are signed with HMAC by a secret kept in the data home
  (keys/memorial-form.key), checked here, good for an hour;
- a honeypot field that people do not see and form-filling robots fill in;
- at most ``PER_HOUR`` messages per client address an hour (the address is kept
  only as a keyed digest, for this limit), counted in the database so that every
  worker process agrees;
- each question is good for one try: a wrong answer uses it up, and after
  ``WRONG_PER_HOUR`` wrong answers in an hour an address is refused, right or
  wrong, until the hour is over (the sums have only 17 answers: without this a
  robot would try them all);
- the text is kept as plain text, at most ``MAX_TEXT`` characters; the pages show
  it escaped, never as HTML.

A family's request to take a page down is a kind of its own ("take-down") and
comes first in the team's queue.  An investigator rejects a message (with a
reason) or marks it done, after adding the cited claim through the normal
claim form, or for a take-down, unpublishing the person at the same time.  Both
are written to history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from khavaran.errors import NotFoundError, RateLimitError, ValidationError
from khavaran.services.profiles import display_names
from khavaran.services.publishing import is_public, unpublish
from khavaran.services.registry import Registry
from khavaran.storage import publishing as store
from khavaran.storage import repo

__all__ = ["KINDS", "MAX_TEXT", "PER_HOUR", "WRONG_PER_HOUR", "Challenge", "Correction",
           "challenge", "client_digest", "queue", "resolve", "submit"]

KINDS = ("correction", "take-down")
MAX_TEXT = 10_000  # characters
PER_HOUR = 5  # messages per client address
WRONG_PER_HOUR = 10  # wrong answers per client address
CHALLENGE_LIFE = dt.timedelta(hours=1)
KEY_FILE = Path("keys") / "memorial-form.key"


@dataclass(frozen=True)
class Challenge:
    a: int
    b: int
    # "issued.nonce.signature": the signature covers the person, the answer, the
    # time and the nonce, so the sum cannot be read from it, it holds for one
    # person's page only, and (its nonce kept with the message) for one message.
    token: str


@dataclass(frozen=True)
class Correction:
    id: str
    person_id: str
    person: str  # the person's name as the team app shows it
    kind: str
    text: str
    language: str
    received_at: dt.datetime
    status: str
    resolved_by: str | None
    resolution: str | None


def _secret(registry: Registry) -> bytes:
    """The form's secret, made on first use (mode 0600), like the ledger's key."""
    path = registry.settings.home / KEY_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_bytes()
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
        return path.read_bytes()


def _sign(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


def challenge(registry: Registry, person_id: str) -> Challenge:
    """A new sum to ask on ``person_id``'s page, signed with the time it was asked."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    issued, nonce = int(registry.now().timestamp()), secrets.token_hex(8)
    sig = _sign(_secret(registry), f"{person_id}.{a + b}.{issued}.{nonce}")
    return Challenge(a, b, f"{issued}.{nonce}.{sig}")


def _answered(registry: Registry, person_id: str, token: str, answer: str) -> str | None:
    """The challenge's nonce when ``answer`` is its right answer, else None."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 12 \
            or not re.fullmatch(r"[0-9a-f]{16}", parts[1]):
        return None
    # Persian or Arabic digits are digits too; a sum of two digits has at most two.
    typed = answer.strip().translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "0123456789" * 2))
    if not (typed.isascii() and typed.isdigit() and len(typed) <= 2):
        return None
    issued, nonce = int(parts[0]), parts[1]
    expected = _sign(_secret(registry), f"{person_id}.{int(typed)}.{issued}.{nonce}")
    if not hmac.compare_digest(parts[2], expected):
        return None
    age = registry.now() - dt.datetime.fromtimestamp(issued, dt.UTC)
    return nonce if dt.timedelta(0) <= age <= CHALLENGE_LIFE else None


def _nonce_of(token: str) -> str:
    """The question's nonce as the token gives it, to use it up; a token that
    names none still counts, under a nonce of its own."""
    parts = token.split(".")
    if len(parts) == 3 and re.fullmatch(r"[0-9a-f]{16}", parts[1]):
        return parts[1]
    return "-" + secrets.token_hex(7)


def client_digest(registry: Registry, client: str | None) -> str:
    """A client address as kept: keyed, so that the digests of the few billion
    addresses cannot be tabulated."""
    return _sign(_secret(registry), f"client:{client or '-'}")


def submit(registry: Registry, person_id: str, *, kind: str, text: str, language: str,
           client: str | None, token: str, answer: str, honeypot: str = "") -> str:
    """Keep a visitor's message about a published person; returns its id.

    Raises NotFoundError for a person the memorial does not show,
    ValidationError (``field`` kind, text or answer) for a message it refuses,
    and RateLimitError when the address has sent ``PER_HOUR`` in the last hour
    or given ``WRONG_PER_HOUR`` wrong answers.
    """
    if kind not in KINDS:
        raise ValidationError(f"kind must be one of {', '.join(KINDS)}", field="kind")
    text = text.replace("\x00", "").strip()  # no database text holds a NUL
    if not text:
        raise ValidationError("write what should be corrected", field="text")
    if len(text) > MAX_TEXT:
        raise ValidationError(f"the text is longer than {MAX_TEXT:,} characters",
                              field="text")
    digest = client_digest(registry, client)
    now = registry.now()
    hour_ago = now - dt.timedelta(hours=1)
    with registry.read() as conn:
        if store.misses_from(conn, digest, hour_ago) >= WRONG_PER_HOUR:
            raise RateLimitError("too many wrong answers from this address: try again later",
                                 3600)
    nonce = None if honeypot else _answered(registry, person_id, token, answer)
    if nonce is None:
        with registry.write() as conn:
            store.add_miss(conn, _nonce_of(token), digest, now)
        raise ValidationError("the answer to the question is wrong", field="answer")
    with registry.write() as conn:
        if is_public(conn, person_id) is None:
            raise NotFoundError(f"no person with id '{person_id}'")
        if store.challenge_used(conn, nonce):  # a replay: answered once already
            raise ValidationError("the answer to the question is wrong", field="answer")
        if store.recent_from(conn, digest, now - dt.timedelta(hours=1)) >= PER_HOUR:
            raise RateLimitError("too many messages from this address: try again later",
                                 3600)
        cid = f"r-{secrets.token_hex(8)}"
        store.add_correction(conn, {
            "id": cid, "person_id": person_id, "kind": kind, "text": text,
            "language": language if language in ("fa", "en") else "fa",
            "received_at": now, "client": digest, "challenge": nonce, "status": "open"})
    return cid


def queue(registry: Registry, *, status: str | None = "open",
          limit: int = 200) -> list[Correction]:
    """The messages to review: take-down requests first, then the oldest."""
    with registry.read() as conn:
        rows = store.corrections(conn, status=status, limit=limit)
        names = display_names(conn, [r["person_id"] for r in rows])
    return [_correction(r, names) for r in rows]


def _correction(r: Any, names: dict[str, str]) -> Correction:
    return Correction(r["id"], r["person_id"],
                      names.get(r["person_id"], r["person_id"]).removesuffix(" [fictional]"),
                      r["kind"], r["text"], r["language"], r["received_at"], r["status"],
                      r["resolved_by"], r["resolution"])


def resolve(registry: Registry, correction_id: str, *, status: str, actor: str,
            reason: str) -> Correction:
    """Close a message: ``status`` "rejected" or "done", with ``reason`` (kept
    in history).  A take-down marked done unpublishes the person first."""
    if status not in ("rejected", "done"):
        raise ValidationError("status must be rejected or done", field="status")
    why = (reason or "").strip()[:1000]
    if not why:
        raise ValidationError("say why: history keeps the reason for each change",
                              field="reason")
    with registry.read() as conn:
        row = store.correction_row(conn, correction_id)
    if row is None:
        raise NotFoundError(f"no correction with id '{correction_id}'")
    if row["status"] != "open":
        raise ValidationError(f"{correction_id} is already {row['status']}", field="status")
    if row["kind"] == "take-down" and status == "done":
        unpublish(registry, row["person_id"], actor=actor,
                  reason=f"take-down request {correction_id}: {why}")
    now = registry.now()
    with registry.write() as conn:
        if store.correction_row(conn, correction_id)["status"] != "open":
            raise ValidationError(f"{correction_id} was closed meanwhile", field="status")
        store.resolve_correction(conn, correction_id, status=status, at=now, by=actor,
                                 resolution=why)
        repo.append_history(conn, [{
            "at": now, "actor": actor, "action": f"{row['kind']}-{status}"[:32],
            "entity_id": row["person_id"], "claim_id": None, "field": "correction",
            "old_value": correction_id, "new_value": status, "reason": why}])
        names = display_names(conn, [row["person_id"]])
        done = store.correction_row(conn, correction_id)
    return _correction(done, names)
