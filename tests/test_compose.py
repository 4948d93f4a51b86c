"""docker-compose.yml is valid Compose and runs every process from one image."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft201909Validator

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "tests" / "fixtures" / "compose" / "compose-spec.schema.json"


def load_compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_compose_file_validates_against_the_compose_specification() -> None:
    schema = json.loads(SCHEMA.read_text())
    validator = Draft201909Validator(schema)  # the draft the schema declares
    errors = sorted(validator.iter_errors(load_compose()), key=lambda e: list(e.path))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors]


def test_schema_catches_mistakes() -> None:
    """The validation above can fail: a typo'd key is rejected."""
    broken = load_compose()
    broken["services"]["api"]["comand"] = ["oops"]
    schema = json.loads(SCHEMA.read_text())
    validator = Draft201909Validator(schema)  # the draft the schema declares
    assert list(validator.iter_errors(broken))


def test_every_process_uses_the_same_image_and_settings() -> None:
    services = load_compose()["services"]
    assert {"postgres", "redis", "api", "worker", "beat"} <= set(services)
    ours = {name: s for name, s in services.items() if name not in {"postgres", "redis"}}
    assert {s["image"] for s in ours.values()} == {"codecommons:latest"}
    envs = [s["environment"] for s in ours.values()]
    assert all(env == envs[0] for env in envs)
    assert {s["command"][1] for s in ours.values()} == {"migrate", "api", "worker", "beat"}


def test_compose_settings_are_accepted_by_the_settings_class() -> None:
    from app.config import Settings

    env = load_compose()["services"]["api"]["environment"]
    settings = Settings(**{k.lower(): v for k, v in env.items() if "$" not in str(v)})
    assert settings.sqlalchemy_url.startswith("postgresql+psycopg://codecommons")


def test_the_api_and_the_worker_share_the_uploads_volume() -> None:
    """An uploaded dump is written by the API and read by the import job on a worker:
    both must see the folder UPLOADS_DIR names, from one named volume (issue 10)."""
    compose = load_compose()
    services = compose["services"]
    folder = services["api"]["environment"]["UPLOADS_DIR"]
    mounts = {}
    for name in ("api", "worker"):
        assert services[name]["environment"]["UPLOADS_DIR"] == folder
        volumes = [v.split(":") for v in services[name].get("volumes", [])]
        mounts[name] = {source for source, target, *_ in volumes if target == folder}
    assert mounts["api"], mounts
    assert mounts["api"] == mounts["worker"], mounts
    (volume,) = mounts["api"]
    assert volume in compose["volumes"]  # a named volume, not a path on one host
