"""The throw-away S3 store of a test run (scripts/with-seaweedfs.sh), if any."""

from __future__ import annotations

import dataclasses
import os
import uuid

import pytest

from khavaran.services.registry import Registry

ENDPOINT = os.environ.get("KHAVARAN_TEST_S3_ENDPOINT")
BUCKET = os.environ.get("KHAVARAN_TEST_S3_BUCKET", "")
if os.environ.get("KHAVARAN_REQUIRE_S3") == "1" and not ENDPOINT:
    raise RuntimeError("KHAVARAN_REQUIRE_S3=1 but no KHAVARAN_TEST_S3_ENDPOINT: run the "
                       "suite with `make test`, which starts SeaweedFS")
VAULT_BACKENDS = ["disk", "s3"] if ENDPOINT else ["disk"]


def on_store(registry: Registry, monkeypatch: pytest.MonkeyPatch, *, bucket: str = "",
             endpoint: str | None = None, secret: str | None = None) -> Registry:
    """The same registry with its vault under a fresh prefix of the run's bucket."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", os.environ["KHAVARAN_TEST_S3_KEY"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY",
                       secret or os.environ["KHAVARAN_TEST_S3_SECRET"])
    prefix = f"t-{uuid.uuid4().hex[:12]}/evidence"
    settings = dataclasses.replace(registry.settings,
                                   vault=f"s3://{bucket or BUCKET}/{prefix}",
                                   s3_endpoint=endpoint or ENDPOINT)
    return Registry(settings, registry.engine)
