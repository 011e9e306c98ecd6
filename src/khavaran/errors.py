"""The one exception tree of Khavaran.

Core code raises only these; the CLI turns them into a message and a non-zero
exit, the web layer (later) into one JSON shape.  Nothing here knows of click
or HTTP.

    KhavaranError
     ├── ConfigError            a setting is missing or wrong (no --as, bad URL)
     ├── NotFoundError          an id that is not in the registry
     ├── ValidationError        one value or record is wrong; names file, line, field
     │    ├── DateError         a date that cannot be read or does not exist
     │    ├── ManyErrors        every bad cell of a file, reported together
     │    ├── UncitedClaimError a claim without any citation
     │    └── DanglingReferenceError  a reference to something that does not exist
     ├── StorageError           the database cannot be opened or is not initialised
     ├── AuthError              no account, a wrong password, code or token, an ended session
     │    └── RateLimitError    too many failed sign-ins: wait before trying again
     ├── ForbiddenError         the account's role does not allow this
     └── EvidenceError          the vault refused an intake, read or purge
          ├── TimestampError    a time-stamping authority failed or a token does not verify
          └── IntegrityError    a stored original, copy or ledger entry fails verification
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "ConfigError",
    "DateError",
    "EvidenceError",
    "ForbiddenError",
    "IntegrityError",
    "DanglingReferenceError",
    "KhavaranError",
    "ManyErrors",
    "NotFoundError",
    "RateLimitError",
    "StorageError",
    "StoreUnavailableError",
    "TimestampError",
    "UncitedClaimError",
    "ValidationError",
    "raise_all",
]


class KhavaranError(Exception):
    """Base of every error Khavaran raises on purpose."""


class ConfigError(KhavaranError):
    """A setting is missing or invalid."""


class NotFoundError(KhavaranError):
    """An id that the registry does not hold."""


class ValidationError(KhavaranError, ValueError):
    """A value or record that cannot be accepted.

    ``field``, ``file`` and ``line`` say where, so that a user can find the
    offending cell; ``str()`` gives ``file:line: field: message``.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        file: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.file = file
        self.line = line

    def located(
        self, *, file: str | None = None, line: int | None = None, field: str | None = None
    ) -> ValidationError:
        """Fill in where the error happened, keeping what is already known."""
        self.file = self.file or file
        self.line = self.line if self.line is not None else line
        self.field = self.field or field
        return self

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file if self.line is None else f"{self.file}, line {self.line}")
        elif self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class DateError(ValidationError):
    """A date that cannot be parsed, or that does not exist (1367/13/40)."""


class ManyErrors(ValidationError):
    """Several bad values, reported in one run so that one pass fixes them all.

    ``errors`` holds each one; file, line and field are those of the first.
    """

    SHOWN = 30

    def __init__(self, errors: list[ValidationError]) -> None:
        first = errors[0]
        super().__init__(first.message, field=first.field, file=first.file, line=first.line)
        self.errors = errors

    def __str__(self) -> str:
        lines = [f"{len(self.errors)} problem(s); nothing was written:"]
        lines += [f"  {e}" for e in self.errors[:self.SHOWN]]
        if len(self.errors) > self.SHOWN:
            lines.append(f"  ... and {len(self.errors) - self.SHOWN} more")
        return "\n".join(lines)


def raise_all(errors: list[ValidationError]) -> None:
    """Raise the one error, or all of them together; nothing when there is none."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ManyErrors(errors)


class UncitedClaimError(ValidationError):
    """A claim with no citation: every fact needs at least one source."""


class DanglingReferenceError(ValidationError):
    """A reference to a source, person, place or unit that does not exist."""


class StorageError(KhavaranError):
    """The store refused an operation or is not ready."""


class EvidenceError(KhavaranError):
    """The evidence vault refused an operation (unreadable file, unknown item...)."""


class StoreUnavailableError(EvidenceError):
    """The object store did not answer (down, unreachable, timed out): nothing was
    taken; the same request may succeed in a moment."""


class TimestampError(EvidenceError):
    """A time-stamping authority could not be used, or a token does not verify."""


class IntegrityError(EvidenceError):
    """Something stored no longer matches what was recorded: the vault is damaged."""


class AuthError(KhavaranError):
    """Who is asking could not be established: the message never says which part
    (name, password, code) was wrong."""


class RateLimitError(AuthError):
    """Too many failed sign-ins for an account or from an address, or too many
    messages from one address to the public memorial."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ForbiddenError(KhavaranError):
    """The account is known but its role does not allow the action."""
