"""The web pages, under ``/`` beside the API: server-rendered HTML over the same
services the REST routes call (``app.lookup``, ``app.origins``, ``app.datasets``,
``app.optouts``, ``app.attribution``), compositions in :mod:`app.web.service`.

Every page's core action is a plain link or form (JavaScript only hashes a dropped
file in the browser); forms that change anything carry a CSRF token
(:mod:`app.web.csrf`); public pages are cacheable, pages holding a token are not.
None of these routes is in the OpenAPI document: they are not the API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, FastAPI, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.attribution.schemas import MAX_SNIPPET_BYTES, AttributionIn
from app.attribution.tokens import CANDIDATES
from app.datasets import card
from app.datasets import service as datasets
from app.datasets.schemas import BuildOut, ExportFormat
from app.kit.api import SettingsDep, UoW
from app.kit.params import BuildNumber, OriginId
from app.kit.problems import NotFound, PayloadTooLarge, Problem
from app.kit.swhid import InvalidSWHID
from app.optouts import service as optouts
from app.optouts.routes import RateLimited, optout_out
from app.optouts.schemas import OptoutIn, ScopeIn
from app.origins import detail
from app.origins import repository as origins
from app.web import csrf, service
from app.web.markdown import render as render_markdown

HERE = Path(__file__).resolve().parent
ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,  # everything a visitor typed is escaped, in every template
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# Defence in depth behind autoescaping: only this site's scripts, styles and forms.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
PUBLIC = "public, max-age=60"
FORM = "private, no-cache"  # carries the visitor's CSRF token
PRIVATE = "private, no-store"  # carries an opt-out's token or state
# A dropped file is hashed on the server only up to this size (the browser hashes any
# size itself); bigger requests are refused before their body is read.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
TOKEN_COOKIE = "cc_optout"  # noqa: S105 - a cookie name
WEB_PREFIXES = (
    "/search",
    "/origins/",
    "/datasets",
    "/check",
    "/optout",
    "/attribution",
    "/static/",
)

router = APIRouter(include_in_schema=False)


def web_url(value: object) -> str:
    """A link taken from the data (a homepage, a repository URL) only if it is http(s):
    autoescaping does not stop a ``javascript:`` URL in an ``href``."""
    text = str(value or "")
    return text if text.lower().startswith(("https://", "http://")) else "#"


ENV.filters["web_url"] = web_url


class LengthRequired(Problem):
    status = 411
    slug = "validation-error"


def is_web_path(path: str) -> bool:
    return path == "/" or path.startswith(WEB_PREFIXES)


def page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    cache: str = PUBLIC,
) -> HTMLResponse:
    """Render a template with the CSRF token at hand and the caching it allows."""
    body = ENV.get_template(template).render(
        request=request,
        csrf_field=csrf.FIELD,
        csrf_token=lambda: csrf.token_for(request),
        **context,
    )
    response = HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)
    response.headers["Cache-Control"] = cache
    if getattr(request.state, "csrf_new", ""):
        csrf.set_cookie(request, response)
        response.headers["Cache-Control"] = FORM if cache == PUBLIC else cache
    return response


def has_route(request: Request, path: str) -> bool:
    """Whether the API serves this path (its OpenAPI document, built once, names it):
    links to features other branches add appear once they are there, never broken."""
    return path in request.app.openapi().get("paths", {})


# --- home and search ----------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return page(request, "home.html", {"title": "CodeCommons"})


@router.get("/search", response_class=HTMLResponse)
def search(uow: UoW, request: Request, q: Annotated[str, Query(max_length=2048)] = "") -> Response:
    found = service.find(uow.session, q)
    if found.kind in ("url", "purl", "swhid"):
        hit = next((r for r in found.lookups if r.status == "matched" and r.origin_id), None)
        if hit is not None and len(found.lookups) == 1:
            return RedirectResponse(f"/origins/{hit.origin_id}", status_code=303)
    return page(request, "search.html", {"title": f"Search: {q}" if q else "Search", "r": found})


# --- origins --------------------------------------------------------------------------------


@router.get("/origins/{origin_id}", response_class=HTMLResponse)
def origin_page(uow: UoW, request: Request, origin_id: OriginId) -> HTMLResponse:
    origin = origins.get(uow.session, origin_id)
    if origin is None:
        raise NotFound(f"no repository or package with id {origin_id}")
    view = detail.assemble(uow.session, origin)
    return page(
        request,
        "origin.html",
        {
            "title": origin.full_name or origin.url,
            "o": view,
            "lang_rows": [(lang.language, lang.bytes) for lang in view.languages],
            "builds": service.origin_builds(uow.session, origin.url),
            "coverage": service.origin_coverage(uow.session, origin),
        },
    )


# --- datasets -------------------------------------------------------------------------------


@router.get("/datasets", response_class=HTMLResponse)
def catalog(
    uow: UoW,
    request: Request,
    purpose: Annotated[str, Query(max_length=200)] = "",
    license: Annotated[str, Query(max_length=200)] = "",
    language: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    entries = service.catalog(uow.session, purpose or None, license or None, language or None)
    everything = service.catalog(uow.session, None, None, None)
    options = {
        "purposes": sorted({t for e in everything for t in service.terms(e.purpose)}),
        "licenses": sorted({n for e in everything if e.facts for n, _ in e.facts.licenses}),
        "languages": sorted({n for e in everything if e.facts for n, _ in e.facts.languages}),
    }
    return page(
        request,
        "catalog.html",
        {
            "title": "Datasets",
            "entries": entries,
            "options": options,
            "chosen": {"purpose": purpose, "license": license, "language": language},
        },
    )


@router.get("/datasets/{ref}", response_class=HTMLResponse)
def dataset_page(uow: UoW, request: Request, ref: str) -> HTMLResponse:
    dataset = datasets.resolve(uow.session, ref)
    out = datasets.dataset_out(uow.session, dataset)
    builds = service.dataset_builds(uow.session, dataset)
    return page(
        request,
        "dataset.html",
        {"title": f"Dataset {dataset.name}", "d": out, "builds": builds},
    )


@router.get("/datasets/{ref}/builds/{number}", response_class=HTMLResponse)
def build_page(uow: UoW, request: Request, ref: str, number: BuildNumber) -> HTMLResponse:
    build, revision = datasets.get_build(uow.session, ref, number)
    dataset = datasets.resolve(uow.session, ref)
    out = BuildOut.of(build, revision)
    context: dict[str, Any] = {
        "title": f"{dataset.name}, build {number}",
        "dataset": dataset,
        "b": out,
        "api": f"/v1/datasets/{dataset.name}/builds/{number}",
        "formats": [f.value for f in ExportFormat],
        "funnel_rows": [
            (str(s["step"]).replace("_", " "), int(s.get("left", s.get("files", 0))))
            for s in out.funnel
        ],
        "facts": None,
        "card_html": None,
        "withdrawals": has_route(request, "/v1/datasets/{ref}/builds/{number}/withdrawals"),
        "feed": has_route(request, "/v1/datasets/{ref}/withdrawals/feed.json"),
    }
    if build.state == "succeeded":
        facts = card.facts(uow.session, build)
        base = str(request.base_url).rstrip("/")
        context["facts"] = facts
        text = card.card_markdown(dataset, revision, build, facts, base)
        # the card names its charts relative to card.md, which the API serves
        text = text.replace("](charts/", f"]({context['api']}/charts/")
        context["card_html"] = render_markdown(text)
    return page(request, "build.html", context)


# --- "Am I in it?" --------------------------------------------------------------------------


@router.get("/check", response_class=HTMLResponse)
def check_page(
    uow: UoW, request: Request, q: Annotated[str, Query(max_length=2048)] = ""
) -> HTMLResponse:
    result = service.check(uow.session, q) if q.strip() else None
    return page(
        request,
        "check.html",
        {"title": f"Am I in it? {q}" if q else "Am I in it?", "q": q, "r": result},
        cache=FORM,
    )


@router.post("/check/file")
async def check_file(request: Request) -> Response:
    """A dropped file, hashed here without being kept (the browser hashes it itself
    when JavaScript runs): answers with the page of its SWHID."""
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise LengthRequired("send the file with a Content-Length")
    if int(length) > MAX_UPLOAD_BYTES + 64 * 1024:
        raise PayloadTooLarge(
            f"files over {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB are hashed in your browser, "
            "or with `git hash-object FILE`"
        )
    form = await request.form(max_files=1, max_fields=2)
    try:
        token = form.get(csrf.FIELD)
        csrf.check(request, token if isinstance(token, str) else None)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise Problem("choose a file")
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
    finally:
        await form.close()  # the spooled upload is deleted: nothing is kept
    if len(data) > MAX_UPLOAD_BYTES:
        raise PayloadTooLarge("the file is too large to hash here")
    swhid = service.git_blob_swhid(data)
    return RedirectResponse(f"/check?q={swhid}", status_code=303)


# --- attribution ----------------------------------------------------------------------------


def _attribution_page(
    request: Request,
    snippet: str = "",
    language: str = "",
    view: service.AttributionView | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "attribution.html",
        {
            "title": "Attribution" if view is None else f"Attribution: {len(view.matches)} found",
            "snippet": snippet,
            "language": language,
            "languages": CANDIDATES,
            "limit_kb": MAX_SNIPPET_BYTES // 1024,
            "max_lines": service.MAX_SNIPPET_LINES_SHOWN,
            "view": view,
            "error": error,
        },
        status=status,
        cache=FORM,  # the form carries the visitor's CSRF token
    )


@router.get("/attribution", response_class=HTMLResponse)
def attribution_form(request: Request) -> HTMLResponse:
    return _attribution_page(request)


@router.post("/attribution", response_class=HTMLResponse)
def attribution_answer(
    uow: UoW,
    request: Request,
    # No max_length on the snippet: one too large is answered below with the page
    # and its limit (a validation error here would be a bare problem+json).
    snippet: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> HTMLResponse:
    """The snippet attributed by :func:`app.attribution.service.attribute`, the
    service ``POST /v1/attribution`` calls, and shown beside its matches. A POST (and
    not a GET with the code in the URL): the pasted code stays out of URLs and logs."""
    csrf.check(request, csrf_token)
    size = len(snippet.encode("utf-8", "surrogatepass"))
    if size > MAX_SNIPPET_BYTES:
        return _attribution_page(
            request,
            language=language[:64],
            error=f"The snippet is {size // 1024} KB: snippets up to "
            f"{MAX_SNIPPET_BYTES // 1024} KB are attributed. Paste a smaller part of it.",
            status=413,
        )
    try:
        body = AttributionIn(snippet=snippet, language=language.strip() or None)
        view = service.attribution_view(uow.session, body)
    except (Problem, ValueError) as exc:
        return _attribution_page(request, snippet, language[:64], error=_message(exc), status=422)
    return _attribution_page(request, snippet, language, view)


# --- opt-outs -------------------------------------------------------------------------------


FORM_DEFAULTS: dict[str, Any] = {
    "kind": "origin",
    "origin_url": "",
    "pattern": "",
    "swhid": "",
    "forge": "",
    "login": "",
    "email": "",
    "uses": ["any"],
    "unless": [],
    "method": "proof-file",
}


def _optout_form(
    request: Request, values: dict[str, Any], error: str | None = None
) -> HTMLResponse:
    values = {**FORM_DEFAULTS, **{k: v for k, v in values.items() if v}}
    return page(
        request,
        "optout.html",
        {
            "title": "Opt out",
            "uses": service.purpose_tree(),
            "modifiers": service.modifiers(),
            "v": values,
            "error": error,
        },
        status=422 if error else 200,
        cache=FORM,
    )


@router.get("/optout", response_class=HTMLResponse)
def optout_page(
    request: Request,
    origin_url: Annotated[str, Query(max_length=2048)] = "",
) -> HTMLResponse:
    return _optout_form(request, {"kind": "origin", "origin_url": origin_url})


@router.post("/optout", response_class=HTMLResponse)
def optout_create(
    uow: UoW,
    settings: SettingsDep,
    request: Request,
    _limited: RateLimited,
    kind: Annotated[str, Form(max_length=20)] = "origin",
    origin_url: Annotated[str, Form(max_length=2048)] = "",
    pattern: Annotated[str, Form(max_length=1024)] = "",
    swhid: Annotated[str, Form(max_length=200)] = "",
    forge: Annotated[str, Form(max_length=255)] = "",
    login: Annotated[str, Form(max_length=255)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    uses: Annotated[list[str] | None, Form()] = None,
    unless: Annotated[list[str] | None, Form()] = None,
    method: Annotated[str, Form(max_length=20)] = "proof-file",
    csrf_token: Annotated[str | None, Form()] = None,
) -> HTMLResponse:
    csrf.check(request, csrf_token)
    values = {
        "kind": kind,
        "origin_url": origin_url,
        "pattern": pattern,
        "swhid": swhid,
        "forge": forge,
        "login": login,
        "email": email,
        "uses": uses or [],
        "unless": unless or [],
        "method": method,
    }
    try:
        scope = ScopeIn.model_validate(
            {
                "kind": kind,
                "origin_url": origin_url or None,
                "pattern": pattern or None,
                "swhid": swhid or None,
                "forge": forge or None,
                "login": login or None,
                "email": email or None,
            }
        )
        body = OptoutIn.model_validate(
            {
                "scope": scope,
                "purposes": service.rules_of(uses or [], unless or []),
                "method": method,
            }
        )
        with uow.session.begin_nested():
            created = optouts.create(uow, settings, body)
    except (Problem, ValueError, InvalidSWHID) as exc:
        return _optout_form(request, values, error=_message(exc))
    response = page(
        request,
        "optout_created.html",
        {
            "title": "Opt-out filed",
            "created": created,
            "optout": optout_out(uow.session, created.request),
        },
        status=201,
        cache=PRIVATE,
    )
    _remember(request, response, created.request.public_id, created.token or "")
    return response


def _message(exc: Exception) -> str:
    if isinstance(exc, Problem):
        return exc.detail
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in errors()
        )
    return str(exc)


def _remember(request: Request, response: Response, public_id: str, token: str) -> None:
    """Keep the request's token in this browser, for its status page only."""
    response.set_cookie(
        TOKEN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path=f"/optout/{public_id}",
        max_age=90 * 24 * 3600,
    )


def _status(uow: UoW, request: Request, public_id: str, token: str | None) -> HTMLResponse:
    if token is None:
        return page(
            request,
            "optout_token.html",
            {"title": "Opt-out status", "public_id": public_id, "error": None},
            cache=PRIVATE,
        )
    try:
        found = optouts.authorize(uow.session, public_id, token, None)
    except NotFound:
        return page(
            request,
            "optout_token.html",
            {
                "title": "Opt-out status",
                "public_id": public_id,
                "error": "no opt-out request with this id for this token",
            },
            status=404,
            cache=PRIVATE,
        )
    return page(
        request,
        "optout_status.html",
        {
            "title": f"Opt-out {public_id}",
            "optout": optout_out(uow.session, found),
            "statement": optouts.statement_text(uow.session, found)
            if found.method == "ssh-signature"
            else None,
            "affected": service.affected_builds(uow.session, found),
            "proof_contents": _proof_contents(found.proof_token),
        },
        cache=PRIVATE,
    )


def _proof_contents(proof_token: str | None) -> str | None:
    from app.optouts import prooffile

    return prooffile.contents(proof_token) if proof_token else None


@router.get("/optout/{public_id}/statement.txt", response_class=PlainTextResponse)
def optout_statement(uow: UoW, request: Request, public_id: str) -> PlainTextResponse:
    """The exact statement to sign (its bytes matter: a copy from the page may lose
    its final newline)."""
    found = optouts.authorize(uow.session, public_id, request.cookies.get(TOKEN_COOKIE), None)
    return PlainTextResponse(
        optouts.statement_text(uow.session, found),
        headers={
            "Cache-Control": PRIVATE,
            "Content-Disposition": 'attachment; filename="statement.txt"',
        },
    )


@router.get("/optout/{public_id}", response_class=HTMLResponse)
def optout_status(uow: UoW, request: Request, public_id: str) -> HTMLResponse:
    return _status(uow, request, public_id, request.cookies.get(TOKEN_COOKIE))


@router.post("/optout/{public_id}", response_class=HTMLResponse)
def optout_status_with_token(
    uow: UoW,
    request: Request,
    public_id: str,
    token: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> HTMLResponse:
    csrf.check(request, csrf_token)
    response = _status(uow, request, public_id, token.strip() or None)
    if response.status_code == 200 and token.strip():
        _remember(request, response, public_id, token.strip())
    return response


@router.post("/optout/{public_id}/action")
def optout_action(
    uow: UoW,
    request: Request,
    public_id: str,
    action: Annotated[str, Form(max_length=20)],
    signature: Annotated[str, Form(max_length=16_384)] = "",
    code: Annotated[str, Form(max_length=32)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """The next step of a request: a signature, a proof-file check, an e-mail code,
    or opting back in; then back to its status page."""
    csrf.check(request, csrf_token)
    token = request.cookies.get(TOKEN_COOKIE)
    if action == "signature":
        optouts.submit_signature(uow, public_id, token, signature)
    elif action == "check":
        optouts.request_proof_check(uow, public_id, token)
    elif action == "confirm":
        optouts.confirm_email(uow, public_id, token, code)
    elif action == "withdraw":
        optouts.withdraw(uow, public_id, token, None, reason or None)
    else:
        raise Problem(f"unknown action {action!r}")
    return RedirectResponse(f"/optout/{public_id}", status_code=303)


# --- installation -----------------------------------------------------------------------------


Handler = Callable[[Request, Any], Awaitable[Response]]


def _error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    titles = {403: "Forbidden", 404: "Not found", 413: "Too large", 429: "Too many requests"}
    return page(
        request,
        "error.html",
        {"title": titles.get(status, "Cannot do that"), "status": status, "detail": detail},
        status=status,
        cache="no-store",
    )


def install(app: FastAPI) -> None:
    """Mount the pages and the static files, and answer the pages' errors in HTML
    (the API's stay problem+json: the handlers installed before are kept for them)."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    async def refused(request: Request, exc: Exception) -> Response:
        return _error_page(
            request,
            403,
            "This form has expired or did not come from this site: reload the page and try again.",
        )

    app.add_exception_handler(csrf.CSRFRefused, refused)
    for kind in (Problem, InvalidSWHID, StarletteHTTPException):
        previous: Handler | None = app.exception_handlers.get(kind)  # type: ignore[assignment]
        app.add_exception_handler(kind, _html_or(previous))


def _html_or(previous: Handler | None) -> Handler:
    async def handle(request: Request, exc: Any) -> Response:
        if not is_web_path(request.url.path) or request.url.path.startswith("/static/"):
            if previous is None:
                raise exc
            return await previous(request, exc)
        if isinstance(exc, Problem):
            return _error_page(request, exc.status, exc.detail)
        if isinstance(exc, StarletteHTTPException):
            return _error_page(request, exc.status_code, str(exc.detail))
        return _error_page(request, 422, str(exc))

    return handle
