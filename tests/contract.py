"""The API contract run: schemathesis generates requests for every operation of the live OpenAPI
schema (/api/schema/, as the server builds it) and sends them to the WSGI application, the same
Django handler and middleware gunicorn runs. Each answer must not be a 5xx, must carry a documented
status code and content type, and its body must match the schema declared for that status.

Used by tests/test_schemathesis.py (CI) and benchmarks/fault_bench.py (the figures). Cases are
derandomized so a run is reproducible: the same schema gives the same requests every time.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

SCHEMA_PATH = "/api/schema/"

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# The seed endpoints that hold the request until a provider has answered (up to 190 s each);
# tests/generation/test_seed_endpoints.py drives them against the fake providers instead.
WAITING_OPERATIONS = [
    ("POST", "/api/ppl-gen/generate"),
    ("POST", "/api/goods-gen/generate"),
    ("POST", "/api/generation/display-list"),
    ("POST", "/api/generation/image"),
]

# A health probe's 503 is its designed answer while a dependency is down (no worker runs beside
# an in-process run): documented, so checked for conformance, but not counted as a server error.
PROBE_OPERATIONS = {"GET /api/generation/actuator/health"}


COVERAGE_CASES_CONSIDERED = 500

PATH_PARAMETER = re.compile(r"{(\w+)}")


@dataclass(frozen=True)
class Persona:
    """Who sends the requests: their headers (a bearer token), and ids of their own objects to
    put in paths (`job_id`, `image_id`, ...) for valid cases, so those reach real objects
    instead of 404. Invalid cases keep generated ids."""

    headers: dict[str, str]
    path_ids: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    persona: str
    operation: str
    status_code: int
    message: str
    checks: tuple[str, ...] = ()

    @property
    def is_server_error(self) -> bool:
        return self.status_code >= 500


@dataclass
class ContractReport:
    operations: int = 0
    cases: int = 0
    server_errors: int = 0
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    seconds_by_operation: dict[str, float] = field(default_factory=dict)

    def summary(self, detailed: int = 8) -> str:
        """Every distinct (persona, operation, status) that failed, one line each with the failed
        checks, server errors first; then the full message (with the curl command that
        reproduces it) of the first few."""
        seen: dict[tuple[str, str, int], Finding] = {}
        for finding in sorted(self.findings, key=lambda f: not f.is_server_error):
            seen.setdefault((finding.persona, finding.operation, finding.status_code), finding)
        lines = [
            f"{len(self.findings)} failing cases of {self.cases}, {len(seen)} distinct "
            f"(persona, operation, status); {self.server_errors} answered 5xx:"
        ]
        lines += [
            f"  {f.persona:5} {f.operation} -> {f.status_code}: {', '.join(f.checks)}" for f in seen.values()
        ]
        for finding in list(seen.values())[:detailed]:
            lines.append(
                f"--- {finding.persona}: {finding.operation} -> {finding.status_code}\n"
                f"{finding.message.strip()[:3000]}"
            )
        return "\n".join(lines)

    def figures(self) -> dict:
        distinct = {(f.persona, f.operation, f.status_code) for f in self.findings}
        return {
            "operations": self.operations,
            "cases": self.cases,
            "server_errors": self.server_errors,
            "failing_cases": len(self.findings),
            "distinct_failures": len(distinct),
            "seconds": round(self.seconds, 1),
        }

    def slowest(self, count: int = 10) -> str:
        ranked = sorted(self.seconds_by_operation.items(), key=lambda item: -item[1])[:count]
        return ", ".join(f"{label} {seconds:.1f} s" for label, seconds in ranked)


def contract_run(
    app: Any,
    *,
    personas: dict[str, Persona],
    max_examples: int,
    modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    max_coverage_cases: int = 0,
    path_regex: str | None = None,
    shard: tuple[int, int] | None = None,
) -> ContractReport:
    """Run every operation of the schema `max_examples` times per generation mode and persona.
    Failures are collected, not
    raised, so one run reports every operation; nothing is shrunk (bounded time). `path_regex`
    narrows the run to some paths (to look into one finding). `shard` (index, count) runs every
    count-th operation from the index-th, so `count` runs side by side cover each one once."""
    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, app)
    if path_regex:
        schema = schema.include(path_regex=path_regex)
    for method, path in WAITING_OPERATIONS:
        schema = schema.exclude(method=method, path=path)
    report = ContractReport()
    started = time.monotonic()
    for index, result in enumerate(schema.get_all_operations()):
        if shard and index % shard[1] != shard[0]:
            continue
        operation = result.ok()
        report.operations += 1
        operation_started = time.monotonic()
        for name, persona in personas.items():
            for mode in modes:
                _run_operation(operation, mode, name, persona, max_examples, report)
            if max_coverage_cases:
                _run_coverage(operation, modes, name, persona, max_coverage_cases, report)
        report.seconds_by_operation[operation.label] = time.monotonic() - operation_started
    report.seconds = time.monotonic() - started
    return report


def _run_operation(
    operation, mode, name: str, persona: Persona, max_examples: int, report: ContractReport
) -> None:
    fixed = {}
    if mode == GenerationMode.POSITIVE:
        in_path = set(PATH_PARAMETER.findall(operation.path))
        fixed = {key: value for key, value in persona.path_ids.items() if key in in_path}

    @hypothesis_settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    def send(case) -> None:
        _send_and_check(case, operation, name, persona, report)

    # Unsatisfiable: nothing to make invalid (no parameters, no body), so no negative cases.
    with contextlib.suppress(Unsatisfiable):
        send()


def _run_coverage(
    operation, modes, name: str, persona: Persona, max_cases: int, report: ContractReport
) -> None:
    """Schemathesis' coverage phase: deterministic edge cases from the schema (boundary values,
    values just out of range, wrong types, a scalar for an object body, missing required fields,
    ...): `max_cases` of them, spread over all the operation has (the same ones every run)."""
    schema = operation.schema
    config = schema.config.generation_for(operation=operation, phase="coverage")
    cases = list(
        itertools.islice(
            schema.iter_coverage_cases(operation, generation_modes=list(modes), generation_config=config),
            COVERAGE_CASES_CONSIDERED,
        )
    )
    if len(cases) > max_cases:
        chosen = sorted(random.Random(f"{operation.label} {name}").sample(range(len(cases)), max_cases))
        cases = [cases[index] for index in chosen]
    for case in cases:
        _send_and_check(case, operation, name, persona, report)


def _send_and_check(case, operation, name: str, persona: Persona, report: ContractReport) -> None:
    report.cases += 1
    response = case.call(headers=persona.headers)
    checks = CHECKS
    if response.status_code == 503 and operation.label in PROBE_OPERATIONS:
        checks = [check for check in CHECKS if check is not not_a_server_error]
    elif response.status_code >= 500:
        report.server_errors += 1
    try:
        case.validate_response(response, checks=checks, headers=persona.headers)
    except (Failure, FailureGroup) as exc:  # recorded; the run goes on
        failures = exc.exceptions if isinstance(exc, FailureGroup) else (exc,)
        checks_failed = tuple(sorted({f"{failure.code} {failure.title}" for failure in failures}))
        report.findings.append(Finding(name, operation.label, response.status_code, str(exc), checks_failed))
