"""Schemathesis drives every operation of the OpenAPI document with generated
requests, as an administrator: none may crash the server, and every answer
must be one the document declares, with the security headers.

Schemathesis's own pytest plugin does not run under pytest 9, so the test
walks the operations and runs each one's Hypothesis strategy itself.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import status_code_conformance

from khavaran.web.security import HEADERS
from web_site import Site, site  # noqa: F401  (site: the fixture)


def test_generated_requests_never_crash_and_match_the_document(site: Site) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", site.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def drive(case: schemathesis.Case) -> None:
            response = case.call(headers=site.as_("admin"))
            assert response.status_code < 500, (case.method, case.path, response.text)
            case.validate_response(response, checks=[status_code_conformance])
            for name in HEADERS:
                assert name in response.headers

        drive()
