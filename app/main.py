"""The ASGI application: REST under /v1, GraphQL at /graphql, probes at the root, and the
web pages under / (outside the OpenAPI document)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app import __version__
from app.archive.routes import router as archive_router
from app.attribution.routes import router as attribution_router
from app.config import Settings, get_settings
from app.datasets.routes import optouts_router as datasets_optouts_router
from app.datasets.routes import router as datasets_router
from app.forges.routes import router as forges_router
from app.graphql.schema import graphql_router
from app.health.routes import router as health_router
from app.jobs.routes import router as jobs_router
from app.keys.service import KnownKeyHashes
from app.kit.api import document_problems
from app.kit.boundary import TextGuardMiddleware, storable_path_parameters
from app.kit.db import make_engine
from app.kit.httpcache import install_http_caching
from app.kit.problems import PROBLEM_TYPES, NotFound, install_problem_handlers
from app.kit.ratelimit import install_rate_limits
from app.kit.redaction import install_log_redaction
from app.licenses.routes import router as licenses_router
from app.lookup.routes import router as lookup_router
from app.optouts.routes import router as optouts_router
from app.origins.routes import router as origins_router
from app.papers.routes import router as papers_router
from app.scans.routes import router as scans_router
from app.signals.routes import router as signals_router
from app.web.routes import install as install_web

DESCRIPTION = """\
CodeCommons serves open metadata about archived source code, keyed by Software
Heritage identifiers (SWHIDs): origins and what forges and registries say about
them, contents with their facts and licenses, papers, issues and jobs.

Errors are RFC 9457 problem details (`application/problem+json`); each `type` is
documented under `/problems/{slug}`. Lists page with opaque cursors (`cursor`,
`next_cursor`, and a `Link: rel="next"` header). Write endpoints need an API key
(`Authorization: Bearer <key>`).
"""


class ProblemType(BaseModel):
    type: str
    title: str
    description: str


def create_app(
    settings: Settings | None = None,
    engine: Engine | None = None,
    session_factory: sessionmaker[Session] | None = None,
) -> FastAPI:
    """Build the app; tests pass their own engine and session factory."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_engine = None
        if getattr(app.state, "engine", None) is None:
            own_engine = make_engine(settings)
            app.state.engine = own_engine
            app.state.sessionmaker = sessionmaker(bind=own_engine, expire_on_commit=False)
        yield
        if own_engine is not None:
            own_engine.dispose()

    app = FastAPI(
        title="CodeCommons",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        dependencies=[Depends(storable_path_parameters)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = session_factory
    # Middleware added last runs outermost: CORS wraps rate limits wraps caching wraps
    # the text guard, so 429s, 304s and 422s carry CORS headers too.
    app.add_middleware(TextGuardMiddleware)
    install_http_caching(app)
    if settings.rate_limit_enabled:
        install_rate_limits(
            app,
            redis_url=settings.redis_url,
            anonymous_per_minute=settings.rate_limit_anonymous_per_minute,
            key_per_minute=settings.rate_limit_key_per_minute,
            trusted_proxy=settings.behind_proxy,
            known_key_hashes=KnownKeyHashes(
                settings, lambda: getattr(app.state, "sessionmaker", None)
            ),
        )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "If-None-Match"],
            expose_headers=[
                "Link",
                "ETag",
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "Retry-After",
            ],
        )
    install_problem_handlers(app)
    app.include_router(health_router)
    app.include_router(licenses_router)
    app.include_router(origins_router)
    app.include_router(archive_router)
    app.include_router(jobs_router)
    app.include_router(forges_router)
    app.include_router(scans_router)
    app.include_router(papers_router)
    app.include_router(lookup_router)
    app.include_router(signals_router)
    # Before the registry's routes: /v1/optouts/me must not be read as a request id.
    app.include_router(datasets_optouts_router)
    app.include_router(optouts_router)
    app.include_router(datasets_router)
    app.include_router(attribution_router)
    app.include_router(graphql_router(), prefix="/graphql", include_in_schema=False)

    @app.get("/problems/{slug}", response_model=ProblemType, tags=["meta"])
    def problem_type(slug: str) -> ProblemType:
        """What a problem ``type`` means."""
        if slug not in PROBLEM_TYPES:
            raise NotFound(f"no problem type {slug!r}")
        title, description = PROBLEM_TYPES[slug]
        return ProblemType(type=f"/problems/{slug}", title=title, description=description)

    install_web(app)
    document_problems(app)
    return app


def _configure_logging() -> None:
    install_log_redaction()
    logging.basicConfig(
        level=get_settings().log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def asgi() -> FastAPI:
    """Factory for ``uvicorn --factory app.main:asgi``."""
    _configure_logging()
    return create_app()
