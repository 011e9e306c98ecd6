"""Fixtures of the web tests: see tests/web_site.py."""

from web_site import site  # noqa: F401  (the fixture)
