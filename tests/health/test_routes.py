from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"


def test_readyz_when_everything_is_up(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["migrations"]["current"] == body["checks"]["migrations"]["head"]


def test_readyz_says_what_is_wrong(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    broken = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    app = create_app(broken, engine=engine, session_factory=session_factory)
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["broker"]["ok"] is False
    assert "unreachable" in body["checks"]["broker"]["detail"]
    assert body["checks"]["database"]["ok"] is True


def test_readyz_with_unreachable_database(settings: Settings) -> None:
    from app.kit.db import make_engine

    bad = settings.model_copy(update={"database_url": "postgresql://nobody@127.0.0.1:1/none"})
    engine = make_engine(bad)
    app = create_app(bad, engine=engine, session_factory=sessionmaker(bind=engine))
    with TestClient(app) as client:
        body = client.get("/readyz").json()
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["database"]["detail"].startswith("database unreachable")
    assert body["checks"]["migrations"]["ok"] is False
