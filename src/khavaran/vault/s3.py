"""The vault on an S3-compatible object store (KHAVARAN_VAULT=s3://BUCKET/PREFIX).

Objects are kept at ``PREFIX/sha256/ab/cd/<sha256>``, as files are on disk.
Staging, the lock and the intents stay on local disk under ``HOME/vault``
(the database is still the authority on which objects should exist); only
placed blobs live in the store.

Every upload sends the SHA-256 of what it sends (of the whole file, or of each
part of a multipart upload) for the store to check, is conditional
(``If-None-Match: *``: an object is never overwritten), and is read back and
re-hashed before the caller commits.  boto3's managed transfer cannot send
``If-None-Match``, so the multipart upload is our own loop: one part in memory
at a time, whatever the file's size.

Several machines may share a bucket, and our lock is local: an object whose
digest the database does not know may be one another machine is about to
commit.  So the store loses an object only for a purge, or when this process
uploaded it for an intake that then failed; and only under the database's vault
lock, under which no intake commits and each intake checks that its objects are
still there (`_reconcile`; services/evidence.py).  The uploads of a killed command,
and objects put there by hand, stay: `evidence verify --all` reports them.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any, BinaryIO, cast
from urllib.parse import urlsplit

from khavaran.errors import ConfigError, EvidenceError, StoreUnavailableError
from khavaran.vault.blobs import Liveness, R, Staged, T, Vault
from khavaran.vault.streaming import CHUNK, Digests, copy_and_hash

__all__ = ["PART_SIZE", "S3Vault", "TRANSFERS", "parse_url"]


PART_SIZE = 16 << 20  # bytes per part of a multipart upload (and its memory); a
                      # file up to this size goes in one request
TRANSFERS = 8  # requests at once for a batch of objects: each waits mostly on the
               # store, so a few in flight hide its latency (memory: at most
               # TRANSFERS x PART_SIZE)


def parse_url(url: str) -> tuple[str, str]:
    """(bucket, prefix) of ``s3://BUCKET/PREFIX``; the prefix may be empty."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"--vault: '{url}' is not an s3://BUCKET/PREFIX URL (the vault on "
                          "disk is always the folder vault in the data home)")
    return parts.netloc, parts.path.strip("/")


class S3Vault(Vault):
    uploads_recorded = True

    def __init__(self, root: Path, url: str, endpoint: str | None,
                 env: dict[str, str] | None = None) -> None:
        super().__init__(root)
        self.url = url.rstrip("/")
        self.bucket, self.prefix = parse_url(url)
        self.endpoint = endpoint or None
        self._env = dict(os.environ if env is None else env)
        self._client: Any = None
        self._bucket_seen = False
        # What this process uploaded (created) and has not seen committed or tidied.
        self._created: set[str] = set()
        # Whether the store refuses a conditional write to a key it holds: probed
        # once, before the first upload (_probe_conditions).
        self._conditional: bool | None = None

    # -- the store -----------------------------------------------------------------

    @property
    def client(self) -> Any:
        if self._client is None:
            # Imported here: boto3 takes a good part of a second to load, and the
            # command line's start-up is measured.
            import boto3
            from botocore.config import Config

            self._client = boto3.session.Session().client(
                "s3", endpoint_url=self.endpoint,
                aws_access_key_id=self._env.get("AWS_ACCESS_KEY_ID"),
                aws_secret_access_key=self._env.get("AWS_SECRET_ACCESS_KEY"),
                region_name=self._env.get("AWS_DEFAULT_REGION") or "us-east-1",
                config=Config(
                    connect_timeout=10, read_timeout=60,
                    retries={"max_attempts": 3, "mode": "standard"},
                    # We send and check SHA-256 ourselves; botocore's own CRC
                    # would be a second, weaker check that some stores refuse.
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                    max_pool_connections=2 * TRANSFERS,
                    s3={"addressing_style": "path",
                        "payload_signing_enabled": not _private_line(self.endpoint)}))
        return self._client

    def key_of(self, sha256: str) -> str:
        rel = f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"
        return f"{self.prefix}/{rel}" if self.prefix else rel

    def where(self, sha256: str) -> str:
        return self._url_of(self.key_of(sha256))

    def _url_of(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def _error(self, exc: Exception, doing: str) -> EvidenceError:
        from botocore.exceptions import ConnectionError, HTTPClientError

        # A store that is down or does not answer in time, as against one that refused.
        kind = StoreUnavailableError if isinstance(exc, ConnectionError | HTTPClientError) \
            else EvidenceError
        return kind(f"the object store at {self.endpoint or 'AWS'} (bucket "
                    f"{self.bucket}) failed while {doing}: {_why(exc)}")

    def _require_bucket(self) -> None:
        # Some stores (SeaweedFS for an admin key) make a missing bucket on the
        # first upload: evidence goes only into a bucket that was made for it.
        if self._bucket_seen:
            return
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            if _status(exc) == 404:
                raise EvidenceError(f"the object store at {self.endpoint or 'AWS'} has no "
                                    f"bucket {self.bucket} (make it first): nothing was "
                                    "taken in") from None
            raise self._error(exc, f"looking for the bucket {self.bucket}") from None
        self._bucket_seen = True

    def _head(self, sha256: str) -> dict[str, Any] | None:
        try:
            return dict(self.client.head_object(Bucket=self.bucket, Key=self.key_of(sha256)))
        except Exception as exc:
            if _status(exc) == 404:
                return None
            raise self._error(exc, f"looking for {self.where(sha256)}") from None

    # -- what the disk vault does, on the store ------------------------------------

    def has(self, sha256: str) -> bool:
        return self._head(sha256) is not None

    def exists(self, sha256: str) -> bool:
        return self._head(sha256) is not None

    def place(self, staged: Staged) -> bool:
        """Upload a staged file to its content address, checked; False if that
        content was there already.  Never overwrites: other bytes at the address
        refuse the intake."""
        d = staged.digests
        self._require_bucket()
        # The address is looked at first on a store that ignores If-None-Match (the
        # upload would otherwise overwrite other bytes there, and with them the sign
        # that someone changed them), and for a multipart upload, whose condition the
        # probe does not try (and which would send the whole file to learn it is
        # there).  Otherwise the store's 412 says as much in the same request.
        if (d.size > PART_SIZE or not self._probe_conditions()) and \
                self._head(d.sha256) is not None:
            self._require_genuine(d)
            staged.discard()
            return False
        try:
            created = self._upload(staged)
        except EvidenceError:
            raise
        except Exception as exc:
            raise self._error(exc, f"storing {self.where(d.sha256)}; nothing was taken "
                                   "in") from None
        if not created:  # another writer got there between our look and our upload
            self._require_genuine(d)
            staged.discard()
            return False
        self._created.add(d.sha256)
        self._require_genuine(d, just_written=True)
        staged.discard()
        return True

    def place_all(self, staged: Sequence[Staged]) -> list[bool]:
        self._require_bucket()
        self._probe_conditions()  # once, before the uploads run side by side
        return super().place_all(staged)

    def _probe_conditions(self) -> bool:
        """Whether the store honours If-None-Match: one throw-away object (outside
        the content addresses), written twice with it and removed.  Some stores
        (MinIO and Ceph before 2024, for instance) accept the second write."""
        if self._conditional is not None:
            return self._conditional
        key = f"{self.prefix}/probe/{uuid.uuid4().hex}" if self.prefix else \
            f"probe/{uuid.uuid4().hex}"
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=b"", IfNoneMatch="*")
            try:
                self.client.put_object(Bucket=self.bucket, Key=key, Body=b"",
                                       IfNoneMatch="*")
                self._conditional = False
            except Exception as exc:
                if _status(exc) != 412:
                    raise
                self._conditional = True
        except Exception as exc:
            raise self._error(exc, f"trying a conditional write at {self._url_of(key)}; "
                                   "nothing was taken in") from None
        finally:
            with contextlib.suppress(Exception):  # a store under object lock keeps it
                self.client.delete_object(Bucket=self.bucket, Key=key)
        return self._conditional

    def each(self, work: Callable[[T], R], items: Sequence[T]) -> list[R]:
        # Each request waits mostly on the store: TRANSFERS in flight hide its latency.
        # On the first failure nothing more is started; it is raised once the
        # transfers under way have ended, so that a caller's clean-up sees every
        # object the batch created.
        if len(items) < 2:
            return [work(i) for i in items]
        _ = self.client  # made once, before the threads share it (it is thread-safe)
        failed: BaseException | None = None
        with ThreadPoolExecutor(max_workers=min(TRANSFERS, len(items)),
                                thread_name_prefix="s3") as pool:
            futures = [pool.submit(work, i) for i in items]
            try:
                for done in as_completed(futures):  # in the order they end
                    failed = done.exception()
                    if failed is not None:
                        break
            finally:  # a failure, or an interrupt of this thread
                for f in futures:
                    f.cancel()
        if failed is not None:
            raise failed
        return [f.result() for f in futures]

    def _require_genuine(self, d: Digests, *, just_written: bool = False) -> None:
        if self.is_genuine(d):
            return
        what = ("did not read back as written" if just_written else
                "already holds other bytes (it was not overwritten)")
        raise EvidenceError(f"the object {self.where(d.sha256)} {what}: nothing was taken "
                            "in; run 'khavaran evidence verify --all'")

    def _upload(self, staged: Staged) -> bool:
        """Send the file, conditionally; False if the store already had the key."""
        key = self.key_of(staged.digests.sha256)
        with open(staged.path, "rb") as fh:
            if staged.digests.size <= PART_SIZE:
                body = fh.read()
                try:
                    self.client.put_object(Bucket=self.bucket, Key=key, Body=body,
                                           ChecksumSHA256=_b64_hex(staged.digests.sha256),
                                           IfNoneMatch="*")
                except Exception as exc:
                    if _status(exc) == 412:
                        return False
                    raise
                return True
            return self._multipart(key, fh)

    def _multipart(self, key: str, fh: BinaryIO) -> bool:
        upload = self.client.create_multipart_upload(Bucket=self.bucket, Key=key,
                                                     ChecksumAlgorithm="SHA256")["UploadId"]
        try:
            parts = []
            number = 1
            while part := fh.read(PART_SIZE):
                sent = self.client.upload_part(
                    Bucket=self.bucket, Key=key, UploadId=upload, PartNumber=number,
                    Body=part, ChecksumSHA256=_b64(hashlib.sha256(part)))
                parts.append({"PartNumber": number, "ETag": sent["ETag"],
                              "ChecksumSHA256": sent.get("ChecksumSHA256")
                              or _b64(hashlib.sha256(part))})
                number += 1
                del part
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload, IfNoneMatch="*",
                MultipartUpload={"Parts": parts})
        except Exception as exc:
            with contextlib.suppress(Exception):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key,
                                                   UploadId=upload)
            if _status(exc) == 412:
                return False
            raise
        return True

    def is_genuine(self, digests: Digests) -> bool:
        # The address is the SHA-256: an object of that size and SHA-256 holds these
        # bytes, so a read-back hashes once (verify's rehash works out both digests).
        try:
            src = self.open(digests.sha256)
        except EvidenceError:
            if self._head(digests.sha256) is None:
                return False
            raise
        digest = hashlib.sha256()
        size = 0
        with src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
        return size == digests.size and digest.hexdigest() == digests.sha256

    def remove(self, sha256: str) -> bool:
        # Asked for the files of a purge, an upload of this process whose intake
        # failed (_reconcile), and the leftovers of killed ones (services/vault_tidy.py).
        if self._head(sha256) is None:
            return False
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key_of(sha256))
        except Exception as exc:
            raise self._error(exc, f"removing {self.where(sha256)}") from None
        return True

    def _reconcile(self, digests: set[str], live: Liveness, purging: bool) -> None:
        # Besides a purge's files, only objects this process uploaded itself for a
        # change that did not commit are removed: never on the word of an intent
        # file, which a copy of the data home (or another registry on the same
        # bucket) could hold, naming objects that are live elsewhere.  A killed
        # command's uploads stay, and verify reports them ("belongs to no item").
        # The removal runs under the database's vault lock, under which no intake
        # commits and each intake checks that its objects are still there
        # (services/evidence.py): another machine taking in the same bytes at that
        # moment is refused, never left with a missing object.
        mine = digests & self._created
        doomed = digests if purging else mine
        if doomed:
            with live.holding(doomed) as alive:
                for sha in sorted(doomed - alive):
                    try:
                        self.remove(sha)
                    except StoreUnavailableError:
                        raise  # the store is away: the intent stays, for a later command
                    except EvidenceError:
                        # A store that refuses the delete (object lock) leaves the
                        # object, which verify reports.
                        pass
        self._created -= mine

    # -- reading -----------------------------------------------------------------

    def open(self, sha256: str) -> BinaryIO:
        try:
            got = self.client.get_object(Bucket=self.bucket, Key=self.key_of(sha256))
        except Exception as exc:
            if _status(exc) == 404:
                raise EvidenceError(f"the object store has no object {self.where(sha256)} "
                                    "(missing blob: run 'khavaran evidence verify --all')"
                                    ) from None
            raise self._error(exc, f"reading {self.where(sha256)}") from None
        return cast(BinaryIO, _Reader(got["Body"], self, sha256))

    def rehash(self, sha256: str) -> Digests | None:
        try:
            src = self.open(sha256)
        except EvidenceError:
            if self._head(sha256) is None:
                return None
            raise
        with src:
            return copy_and_hash(src, None)

    def shape_problem(self, sha256: str) -> str | None:
        return None  # an object has no mode, links or kind to go wrong

    def stored(self) -> Iterator[str]:
        root = f"{self.prefix}/sha256/" if self.prefix else "sha256/"
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=root):
                for obj in page.get("Contents", []):
                    yield self._url_of(obj["Key"])
        except Exception as exc:
            raise self._error(exc, f"listing {self._url_of(root)}") from None

    def present(self, where: str) -> bool:
        key = where.removeprefix(f"s3://{self.bucket}/")
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            if _status(exc) == 404:
                return False
            raise self._error(exc, f"looking for {where}") from None
        return True

    @contextlib.contextmanager
    def local_file(self, sha256: str) -> Iterator[Path]:
        """A checked download of the object, in a staging folder of its own (locked:
        another command's recovery leaves it alone), removed afterwards."""
        with self.staging() as area:
            path = area.folder / f"{sha256}.get"
            with self.open(sha256) as src, open(path, "xb") as dst:
                got = copy_and_hash(src, dst)
            if got.sha256 != sha256:
                raise EvidenceError(f"the object {self.where(sha256)} has changed (sha256 is "
                                    f"now {got.sha256}): run 'khavaran evidence verify --all'")
            os.chmod(path, 0o400)
            yield path


class _Reader:
    """A store's response body as a file object; errors become ours."""

    def __init__(self, body: Any, vault: S3Vault, sha256: str) -> None:
        self._body = body
        self._vault = vault
        self._sha = sha256

    def read(self, n: int = -1) -> bytes:
        try:
            return bytes(self._body.read(None if n < 0 else n))
        except Exception as exc:
            raise self._vault._error(exc, f"reading {self._vault.where(self._sha)}") from None

    def close(self) -> None:
        self._body.close()

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _private_line(endpoint: str | None) -> bool:
    """Whether nothing between us and the store can change a request's body: TLS
    (AWS itself, or https) or loopback.  There the body is not signed too: its
    SHA-256 already travels in a signed header the store checks, and signing would
    hash every byte once more (botocore does so on plain http).  Over plain http
    to another machine the signature also covers the body."""
    if endpoint is None:
        return True
    parts = urlsplit(endpoint)
    return parts.scheme == "https" or parts.hostname in ("127.0.0.1", "localhost", "::1")


def _b64(digest: Any) -> str:
    return base64.b64encode(digest.digest()).decode("ascii")


def _b64_hex(sha256: str) -> str:
    # The digest the staged file was named by: the store refuses bytes that changed since.
    return base64.b64encode(bytes.fromhex(sha256)).decode("ascii")


def _status(exc: Exception) -> int | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return int(code) if code else None
    return None


def _why(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        err = response["Error"]
        return f"{err.get('Code', '?')}: {err.get('Message') or 'no message'}"
    return str(exc) or type(exc).__name__
