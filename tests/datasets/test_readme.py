"""The README's verifier snippet checks real proofs (and rejects a tampered one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

README = Path(__file__).resolve().parents[2] / "README.md"


def snippet() -> Any:
    text = README.read_text()
    block = text.split("<!-- verify-snippet -->", 1)[1].split("<!-- /verify-snippet -->")[0]
    code = block.split("```python", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    return namespace["root_from"]


def test_readme_snippet_verifies_server_proofs(built: dict[str, Any], client: TestClient) -> None:
    root_from = snippet()
    root, files = built["fingerprints"]["extensional"], built["files"]
    for row in client.get("/v1/datasets/roadmap/builds/1/manifest").json()["items"]:
        answer = client.get(
            "/v1/datasets/roadmap/builds/1/membership", params={"swhid": row["swhid"]}
        ).json()
        leaf = answer["proof"]["leaf"]
        assert root_from(leaf["swhid"], leaf["index"], files, leaf["audit_path"]).hex() == root
        tampered = ["00" * 32, *leaf["audit_path"][1:]]
        found = root_from(leaf["swhid"], leaf["index"], files, tampered)
        assert found is None or found.hex() != root
