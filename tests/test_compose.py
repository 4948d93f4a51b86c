"""docker-compose.yml is valid Compose and runs every process from one image."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
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
    # Required variables stand for what the operator sets.
    given: dict[str, Any] = {
        k.lower(): REQUIRED.sub("operator-value", str(v)) for k, v in env.items()
    }
    settings = Settings(**{k: v for k, v in given.items() if "$" not in v})
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


SECRET_WORDS = ("KEY", "PASSWORD", "SECRET", "TOKEN")
REQUIRED = re.compile(r"\$\{(?P<name>[A-Z0-9_]+):\?[^}]*\}")


def _secret_values(compose: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(service, variable, value) of every setting that is or holds a secret."""
    found = []
    for name, service in compose["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            text_value = str(value)
            if any(word in variable.upper() for word in SECRET_WORDS) or "@" in text_value:
                found.append((name, variable, text_value))
    return found


def check_no_default_secrets(compose: dict[str, Any]) -> None:
    secrets = _secret_values(compose)
    assert secrets, "the check looks at nothing"
    for service, variable, value in secrets:
        if variable.upper().endswith("_URL"):
            # A URL may hold a password only as a required variable.
            userinfo = value.split("://", 1)[-1].split("@", 1)[0] if "@" in value else ""
            password = userinfo.split(":", 1)[1] if ":" in userinfo else ""
            assert not password or REQUIRED.fullmatch(password), (service, variable, value)
        else:
            assert REQUIRED.fullmatch(value), (service, variable, value)


def test_no_default_secrets() -> None:
    """Every secret is required from the operator (``${VAR:?message}``): no default
    key or password (the file once shipped ``API_KEYS: change-me``)."""
    check_no_default_secrets(load_compose())
    assert "change-me" not in (ROOT / "docker-compose.yml").read_text()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("API_KEYS", "${CODECOMMONS_API_KEYS:-change-me}"),
        ("DATABASE_URL", "postgresql://codecommons:codecommons@postgres:5432/codecommons"),
        ("OPTOUTS_SECRET", "s3cret"),
    ],
)
def test_the_secret_check_can_fail(variable: str, value: str) -> None:
    compose = load_compose()
    compose["services"]["api"]["environment"][variable] = value
    with pytest.raises(AssertionError):
        check_no_default_secrets(compose)
