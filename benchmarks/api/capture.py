"""The SQL reference: every request sent once through the app in-process, with the
statements it ran captured, to be replayed raw (the physical limit) and explained.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from benchmarks.api.load import SqlRequest, Statement
from benchmarks.api.scenarios import Scenario


def capture(database_url: str, redis_url: str, items: list[Scenario]) -> None:
    """Send every request once through the app in-process and keep the statements it
    ran: exactly what the server will run for the same request."""
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.kit.db import make_engine
    from app.main import create_app

    # The rate limiter counts in Redis and runs no SQL: off here, on in the server.
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        log_level="WARNING",
        load_demo=False,
        rate_limit_enabled=False,
    )
    engine = make_engine(settings)
    captured: list[Statement] = []

    def listener(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool
    ) -> None:
        captured.append((statement, dict(params) if isinstance(params, dict) else params))

    event.listen(engine, "before_cursor_execute", listener)
    from sqlalchemy.orm import sessionmaker

    app = create_app(settings, engine, sessionmaker(bind=engine, expire_on_commit=False))
    try:
        with TestClient(app) as client:
            for scenario in items:
                scenario.sql = []
                for request in scenario.http:
                    captured.clear()
                    response = client.request(
                        request.method,
                        request.path,
                        content=request.body,
                        headers={"content-type": request.content_type or "application/json"},
                    )
                    if response.status_code != 200 or b'"errors"' in response.content[:200]:
                        raise SystemExit(
                            f"{scenario.name}: {request.method} {request.path} answered "
                            f"{response.status_code}: {response.text[:500]}"
                        )
                    if not scenario.answer:
                        scenario.answer = _summary(response.json())
                    scenario.sql.append(SqlRequest(tuple(captured)))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
        engine.dispose()


def _summary(body: Any) -> str:
    if isinstance(body, dict) and "items" in body:
        return f"{len(body['items'])} origins"
    if isinstance(body, dict) and "results" in body:
        matched = sum(1 for r in body["results"] if r["status"] == "matched")
        return f"{matched}/{len(body['results'])} matched"
    if isinstance(body, dict) and "data" in body:
        data = body["data"]
        return f"{len(data['origins']['nodes'])} origins, {len(data['originPapers'])} papers"
    if isinstance(body, dict) and "content" in body:
        content = body["content"] or {}
        return f"content with {content.get('occurrence_count', 0)} occurrences"
    if isinstance(body, dict) and "licenses" in body:
        return f"origin with {len(body['licenses'])} license findings"
    return "ok"
