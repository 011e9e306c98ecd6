"""What the access log records: its actions and outcomes.

Apart from services/access_log.py so that the command line can name the
actions in `access-log --help` without importing the storage layer.
"""

from __future__ import annotations

__all__ = ["ACTIONS", "OUTCOMES"]

ACTIONS = frozenset({
    "sign-in", "sign-out", "view-protected", "reveal", "export", "denied",
    "account-add", "account-disable", "account-role", "token-issue", "token-revoke",
    "totp-enrol", "totp-confirm", "password-change", "backup", "restore", "vault-tidy",
})
OUTCOMES = frozenset({"ok", "refused", "failed"})
