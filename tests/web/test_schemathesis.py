"""Property-based tests of the whole API against its own OpenAPI schema (schemathesis):
no 500s, responses match the documented shapes. Bounded to keep the suite fast.

(schemathesis' own pytest plugin does not run under pytest 9, so the operations are driven
through its Python API with Hypothesis directly.)"""
from __future__ import annotations

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings

from . import dataset

MAX_EXAMPLES = 30
SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def _run(schema, mode, validate: bool, prepare=None, only=None) -> tuple[int, list[str]]:
    failures: list[str] = []
    ran = 0
    for result in schema.get_all_operations():
        op = result.ok()
        if only and (op.method.upper(), op.path) not in only:
            continue

        @given(case=op.as_strategy(generation_mode=mode))
        @SETTINGS
        def check(case):
            if prepare:
                prepare(case)
            if validate:
                case.call_and_validate()
            else:
                r = case.call()
                assert r.status_code < 500, f"{r.status_code}: {r.text[:300]}"

        try:
            check()
        except Exception as exc:            # collect every operation's failure, then report all
            failures.append(f"{mode} {op.method.upper()} {op.path}: {exc}")
        ran += 1
    return ran, failures


def test_api_conforms_to_schema(any_live):
    """Valid requests: no 5xx, and status codes, content types and bodies as documented
    (SQLite, then PostgreSQL)."""
    schema = schemathesis.openapi.from_url(any_live.url + "/openapi.json")
    ran, failures = _run(schema, schemathesis.GenerationMode.POSITIVE, validate=True)
    assert ran >= 11
    assert not failures, "\n\n".join(failures)


def test_api_rejects_garbage_without_500(any_live):
    """Invalid requests (wrong types, out-of-range values, odd strings): 4xx, never 5xx
    (SQLite, then PostgreSQL)."""
    schema = schemathesis.openapi.from_url(any_live.url + "/openapi.json")
    ran, failures = _run(schema, schemathesis.GenerationMode.NEGATIVE, validate=False)
    assert ran >= 11
    assert not failures, "\n\n".join(failures)


def test_patch_with_token_never_500(writable):
    """The edit endpoint with a valid token and an existing project, any body."""
    schema = schemathesis.openapi.from_url(writable.url + "/openapi.json")
    pid = writable.ids["kpi"]

    def prepare(case):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {dataset.TOKEN}"}
        case.path_parameters = {"project_id": pid}

    for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
        ran, failures = _run(schema, mode, validate=False, prepare=prepare,
                             only={("PATCH", "/api/projects/{project_id}")})
        assert ran == 1
        assert not failures, "\n\n".join(failures)
    assert httpx.get(f"{writable.url}/api/projects/{pid}").status_code == 200
