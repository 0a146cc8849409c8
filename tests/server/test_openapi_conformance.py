"""The academy answers as its published OpenAPI document says: schemathesis generates requests
for every operation (valid and invalid ones) from /openapi.json of a real academy on loopback,
logged in as a real learner, and checks each answer's status, content type, headers and body
against the document, that no answer is a 5xx, that invalid requests are refused and that no
operation ignores a wrong token. Bounded: a few derandomized examples per operation and mode, no
shrinking, every operation's failures gathered before the test fails.

(schemathesis.pytest.from_fixture needs a pytest attribute pytest 9 no longer has, so the
operations' Hypothesis strategies are driven here directly.)
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from hypothesis.strategies import SearchStrategy
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server.uploads.protocol import OFFSET_CONTENT_TYPE, TUS_VERSION
from tests.server.api import bearer, token_for
from tests.server.sync_api import COURSE, Installation, add_learner, progress
from tests.server.upload_api import TusSession, metadata, sha
from tests.server_process import LiveServer, copy_academy, start_server

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]
EXAMPLES = 5
# Invalid requests must be refused with one of these (never a 2xx, never a 5xx); 412 comes
# first on the tus routes, before the token is looked at.
REFUSALS = ["400", "401", "403", "404", "409", "410", "412", "413", "415", "416", "423", "429"]
CONFIG = schemathesis.Config.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": REFUSALS}}}
)
MEDIUM = "video/welcome.mp4"

# tus PATCH bodies are plain bytes, sent as schemathesis sends application/octet-stream.
schemathesis.serializer.alias(OFFSET_CONTENT_TYPE, "application/octet-stream")
BOUNDED = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def conformance_academy(
    seeded_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A private copy of the demo academy: generated requests create uploads and log out."""
    data_dir = tmp_path_factory.mktemp("conformance-academy") / "data"
    copy_academy(seeded_template, data_dir)
    server = start_server(data_dir, seed_demo=False)
    yield server
    server.stop()


def _failures_of(
    case_strategy: SearchStrategy[Case[Any]], token: str, statuses: Counter[int]
) -> list[str]:
    @BOUNDED
    @given(case=case_strategy)
    def check(case: Case[Any]) -> None:
        response = case.call(headers=bearer(token), timeout=30)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=bearer(token))

    try:
        check()
    except Unsatisfiable:
        return []  # nothing to make invalid (no parameters, or only unconstrained strings)
    except FailureGroup as group:  # every operation runs; the failures are reported together
        return [str(failure) for failure in group.exceptions]
    except Failure as failure:
        return [str(failure)]
    return []


@dataclass(frozen=True)
class Uploads:
    """Uploads of the learner made before the run, so tus operations reach real ones."""

    kept: str  # for HEAD and PATCH
    doomed: str  # for DELETE
    new_metadata: str  # Upload-Metadata of a 3-byte upload not created yet

    @classmethod
    def make(cls, server: LiveServer, token: str) -> Uploads:
        tus = TusSession(server, token)
        pairs = {"id": str(uuid.uuid4()), "sha256": sha(b"new"), "content_type": "audio/mpeg"}
        return cls(tus.new(b"abc"), tus.new(b"abc"), metadata(pairs))


def _known(
    operation: APIOperation[Any, Any, Any, Any], me: Installation, uploads: Uploads
) -> dict[str, Any]:
    """Fixed parts that make positive cases reach real data of the demo academy (generated
    ids almost always answer 404): its course, a medium, its podcast, the learner's own
    installation and uploads, a real push and the tus headers."""
    names = {parameter.name for parameter in operation.iter_parameters()}
    known: dict[str, Any] = {}
    upload_id = uploads.doomed if operation.method.upper() == "DELETE" else uploads.kept
    path = {"course_id": COURSE, "path": MEDIUM, "feed_id": "academy", "upload_id": upload_id}
    if fixed := {name: value for name, value in path.items() if name in names}:
        known["path_parameters"] = fixed
    if "client_id" in names:
        known["query"] = {"client_id": me.client_id}
    if "tus-resumable" in names:
        known["headers"] = {"Tus-Resumable": TUS_VERSION}
    if "upload-length" in names:
        known["headers"].update({"Upload-Length": "3", "Upload-Metadata": uploads.new_metadata})
    if "upload-offset" in names:
        known["headers"]["Upload-Offset"] = "0"
    if operation.path == "/v1/sync/push" and operation.body:
        known["body"] = {"client_id": me.client_id, "mutations": [progress(1, 1_000)]}
    return known


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_every_operation_answers_as_the_document_says(conformance_academy: LiveServer) -> None:
    url = f"{conformance_academy.url}/openapi.json"
    published = schemathesis.openapi.from_url(url, config=CONFIG, timeout=30)
    learner = add_learner(conformance_academy)
    uploads = Uploads.make(conformance_academy, token_for(conformance_academy, learner))
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = 0
    started = time.monotonic()
    for result in published.get_all_operations():
        assert isinstance(result, Ok), result  # the document itself is valid
        operation = result.ok()
        operations += 1
        # A fresh login (and installation) per operation: the logout operation revokes its own.
        me = Installation.login(conformance_academy, learner)
        strategies = {
            "positive": operation.as_strategy(GenerationMode.POSITIVE),
            "negative": operation.as_strategy(GenerationMode.NEGATIVE),
        }
        if known := _known(operation, me, uploads):
            strategies["known ids"] = operation.as_strategy(GenerationMode.POSITIVE, **known)
        for mode, strategy in strategies.items():
            for failure in _failures_of(strategy, me.token, statuses):
                failures.append(f"{operation.label} ({mode}): {failure}")
    seconds = time.monotonic() - started
    print(f"schemathesis: {operations} operations, {statuses.total()} requests in {seconds:.1f} s")
    print(f"schemathesis: statuses {sorted(statuses.items())}")
    print(f"schemathesis: {len(failures)} failures")
    assert failures == [], "\n\n".join(failures)
    assert operations >= 20
    assert all(statuses[status] for status in (200, 201, 204, 400, 401, 404))
