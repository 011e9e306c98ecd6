"""A copy of the files of an installation protected by a passphrase does not
hold its signing key: not the database, not its WAL, not the key files."""

from __future__ import annotations

import base64
from pathlib import Path

from typer.testing import CliRunner

from khavaran.cli import app
from khavaran.services.importing import import_files
from khavaran.services.registry import open_registry
from khavaran.settings import Settings
from khavaran.vault.keys import unlock

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _forms(secret: bytes) -> list[bytes]:
    """The ways a 32-byte key could be written down."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    der = Ed25519PrivateKey.from_private_bytes(secret).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    return [secret, secret.hex().encode(), secret.hex().upper().encode(),
            base64.b64encode(secret).rstrip(b"="), der, base64.b64encode(der)[:40]]


def test_the_raw_files_do_not_hold_the_signing_key(tmp_path: Path) -> None:
    home = tmp_path / "home"
    phrase = tmp_path / "passphrase"
    phrase.write_text("correct horse battery staple\n")
    env = {"KHAVARAN_USER": None, "KHAVARAN_HOME": None, "KHAVARAN_DB": None,
           "KHAVARAN_PASSPHRASE_FILE": str(phrase)}
    result = CliRunner().invoke(app, ["--home", str(home), "demo", "--case"], env=env)
    assert result.exit_code == 0, result.output

    settings = Settings(home=home, db_url=f"sqlite:///{home / 'khavaran.db'}", actor="tester",
                        passphrase_file=phrase)
    registry = open_registry(settings)
    try:
        opened = unlock(settings)
        # A write that signs, its connection kept open: the WAL is there to be read.
        import_files(registry, [(FIXTURES / "sources.csv", "source")], actor="tester")
        with registry.read():
            files = [p for p in home.rglob("*") if p.is_file()]
            names = {p.name for p in files}
            assert {"khavaran.db", "khavaran.db-wal", "keyring.json"} <= names
            assert "ledger-ed25519.pem" not in names
            contents = {p: p.read_bytes() for p in files}
    finally:
        registry.close()
    assert sum(len(c) for c in contents.values()) > 1_000_000  # the demo is there
    for secret in (opened.signing_private, opened.master):
        for form in _forms(secret):
            found = [str(p.relative_to(home)) for p, c in contents.items() if form in c]
            assert found == [], f"a form of a key is in {found}"
