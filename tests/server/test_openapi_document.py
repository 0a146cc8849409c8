"""The published OpenAPI document, in-process: 400 and never 422, every error in the envelope,
401 wherever a token is needed, the push and pull bodies and the tus headers. (The live check
of what the server really answers is tests/server/test_openapi_conformance.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.app import create_app
from server.config import ServerConfig
from tests.academy_database import database_url

ENVELOPE = {"$ref": "#/components/schemas/ErrorEnvelope"}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir: Path = tmp_path_factory.mktemp("openapi")
    config = ServerConfig(data_dir=data_dir, database_url=database_url(data_dir))
    published: dict[str, Any] = create_app(config).openapi()
    return published


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def test_no_operation_says_422_and_every_error_is_the_envelope(document: dict[str, Any]) -> None:
    wrong = []
    for label, operation in _operations(document):
        for status, response in operation["responses"].items():
            if status == "422":
                wrong.append(f"{label} 422")
            elif int(status) >= 400 and response.get("content") != {
                "application/json": {"schema": ENVELOPE}
            }:
                wrong.append(f"{label} {status} without the envelope")
    assert wrong == []
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert schemas["ErrorEnvelope"]["required"] == ["error"]
    assert set(schemas["ErrorDetail"]["required"]) == {"code", "message"}


def test_input_means_400_and_a_token_means_401(document: dict[str, Any]) -> None:
    for label, operation in _operations(document):
        takes_input = bool(operation.get("parameters") or operation.get("requestBody"))
        assert ("400" in operation["responses"]) is takes_input, label
        if operation.get("security"):
            assert "401" in operation["responses"], label
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_push_and_pull_show_their_bodies(document: dict[str, Any]) -> None:
    push = document["paths"]["/v1/sync/push"]["post"]
    assert push["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PushRequest"
    }
    assert {"400", "401", "403", "409", "413", "429", "503"} <= set(push["responses"])
    for path, reply in (("/v1/sync/push", "PushReply"), ("/v1/sync/pull", "PullReply")):
        operation = next(iter(document["paths"][path].values()))
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{reply}"}


def test_upload_routes_show_the_tus_headers(document: dict[str, Any]) -> None:
    uploads = {
        label: operation for label, operation in _operations(document) if " /v1/uploads" in label
    }
    assert len(uploads) == 5
    for label, operation in uploads.items():
        success = next(r for s, r in operation["responses"].items() if s.startswith("2"))
        assert "Tus-Resumable" in success["headers"], label
        if not label.startswith("OPTIONS"):
            assert "412" in operation["responses"], label
            assert "tus-resumable" in {p["name"] for p in operation["parameters"]}, label
    assert {"Location", "Upload-Offset"} <= set(
        uploads["POST /v1/uploads"]["responses"]["201"]["headers"]
    )
    assert "Upload-Length" in uploads["HEAD /v1/uploads/{upload_id}"]["responses"]["200"]["headers"]
    patch = uploads["PATCH /v1/uploads/{upload_id}"]
    assert "application/offset+octet-stream" in patch["requestBody"]["content"]


def test_every_operation_admission_may_shed_says_503_with_retry_after(
    document: dict[str, Any],
) -> None:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if path == "/v1/health":
                assert "503" not in responses, "the health probe is never shed"
            elif path.startswith("/v1/") and not (method == "patch" and "uploads" in path):
                assert "503" in responses, f"{method} {path}"
                assert "Retry-After" in responses["503"]["headers"]
