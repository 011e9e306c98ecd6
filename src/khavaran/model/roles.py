"""Roles and their permissions, loaded from roles.yaml.

A permission not listed for a role is refused: nothing is allowed by
default.  A role that may reveal protected identities needs a second factor.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from khavaran.errors import ValidationError
from khavaran.model import safe_yaml

__all__ = ["PERMISSIONS", "Role", "load_roles", "parse_roles", "role"]

PERMISSIONS = frozenset({"read", "write", "reveal", "publish", "export", "admin"})
FILE = "roles.yaml"


@dataclass(frozen=True)
class Role:
    name: str
    en: str
    fa: str
    permissions: frozenset[str]

    def may(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def needs_totp(self) -> bool:
        return "reveal" in self.permissions or "admin" in self.permissions


def parse_roles(text: str, name: str = FILE) -> dict[str, Role]:
    """Read roles from YAML text; any mistake names the file and the role."""
    data = safe_yaml.load(text)
    if not isinstance(data, dict) or not data:
        raise ValidationError("expected a mapping of role names", file=name)
    out = {}
    for role_name, spec in data.items():
        where = f"{role_name}"
        if not isinstance(spec, dict) or set(spec) != {"en", "fa", "permissions"}:
            raise ValidationError("a role has exactly en, fa and permissions", file=name,
                                  field=where)
        perms = spec["permissions"]
        if not isinstance(perms, list) or not set(perms) <= PERMISSIONS:
            raise ValidationError(f"permissions must be among {', '.join(sorted(PERMISSIONS))}",
                                  file=name, field=f"{where}.permissions")
        out[str(role_name)] = Role(str(role_name), str(spec["en"]), str(spec["fa"]),
                                   frozenset(perms))
    return out


@cache
def load_roles() -> dict[str, Role]:
    text = resources.files("khavaran.model").joinpath(FILE).read_text(encoding="utf-8")
    return parse_roles(text)


def role(name: str) -> Role:
    """The role called ``name``; a clear error naming the known ones otherwise."""
    roles = load_roles()
    if name not in roles:
        raise ValidationError(f"unknown role '{name}' (one of {', '.join(roles)})", field="role")
    return roles[name]
