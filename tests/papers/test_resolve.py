"""Resolver clients replaying recorded real responses (fixtures/http/, see SOURCES.md)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

import httpx
import pytest

from app.models.enums import PaperStatus
from app.papers.identifiers import PaperKey, Scheme, paper_key
from app.papers.resolve import (
    ArxivClient,
    CrossrefClient,
    DataCiteClient,
    OpenAlexClient,
    resolve,
)
from tests.papers.conftest import FIXTURES

Handler = Callable[[httpx.Request], httpx.Response]
HTTP = FIXTURES / "http"


def client(handler: Handler) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def replay(routes: dict[str, tuple[int, str, dict[str, str]]]) -> Handler:
    """Serve recorded bodies by request path; anything else is a 404."""

    def handle(request: httpx.Request) -> httpx.Response:
        query = unquote(request.url.query.decode())
        key = request.url.path + (f"?{query}" if query else "")
        for prefix, (status, fixture, headers) in routes.items():
            if key.startswith(prefix):
                body = (HTTP / fixture).read_bytes() if fixture else b""
                return httpx.Response(status, content=body, headers=headers)
        return httpx.Response(404, json={"status": "error", "message": "Resource not found."})

    return handle


def test_crossref_recorded_work() -> None:
    handler = replay(
        {"/works/10.17705/1cais.04607": (200, "crossref-10.17705_1cais.04607.json", {})}
    )
    result = CrossrefClient(client(handler)).resolve(paper_key("10.17705/1CAIS.04607"))
    assert result.status is PaperStatus.RESOLVED
    meta = result.metadata
    assert meta is not None
    assert meta.title.startswith("A Knowledge Development Perspective")  # type: ignore[union-attr]
    assert meta.authors[:2] == ["Guido Schryen", "Paderborn University"]  # as Crossref has it
    assert (meta.year, meta.venue, meta.source) == (
        2021,
        "Communications of the Association for Information Systems",
        "crossref",
    )


def test_datacite_recorded_doi() -> None:
    handler = replay(
        {"/dois/10.5281/zenodo.3763274": (200, "datacite-10.5281_zenodo.3763274.json", {})}
    )
    result = DataCiteClient(client(handler)).resolve(paper_key("10.5281/zenodo.3763274"))
    meta = result.metadata
    assert result.resolved
    assert meta is not None
    assert meta.title == "Linked COVID-19 Data: Robert Koch-Institut (RKI)"
    assert meta.authors == ["Florian Thiery"]
    assert (meta.year, meta.venue) == (2020, "Zenodo")


def test_arxiv_recorded_feed() -> None:
    handler = replay(
        {"/api/query?id_list=hep-ex/0307015": (200, "arxiv-hep-ex_0307015.atom.xml", {})}
    )
    result = ArxivClient(client(handler)).resolve(paper_key("arXiv:hep-ex/0307015v1"))
    meta = result.metadata
    assert result.resolved
    assert meta is not None
    assert (
        meta.title
        == "Multi-Electron Production at High Transverse Momenta in ep Collisions at HERA"
    )
    assert meta.authors == ["H1 Collaboration"]
    assert (meta.year, meta.venue) == (2003, "arXiv")


def test_arxiv_error_entry_is_not_found() -> None:
    error = (
        b'<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        b"<entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_x</id>"
        b"<title>Error</title></entry></feed>"
    )
    result = ArxivClient(client(lambda _: httpx.Response(200, content=error))).resolve(
        PaperKey(Scheme.ARXIV, "2101.99999")
    )
    assert result.status is PaperStatus.NOT_FOUND


def test_openalex_recorded_work_with_legacy_host_venue() -> None:
    handler = replay({"/works/doi:10.1515/bfp-2019-2055": (200, "openalex-W2951498914.json", {})})
    result = OpenAlexClient(client(handler)).resolve(paper_key("10.1515/bfp-2019-2055"))
    meta = result.metadata
    assert result.resolved
    assert meta is not None
    assert meta.year == 2019
    assert meta.venue == "Bibliothek Forschung Und Praxis"
    assert meta.authors[0] == "Germaine Götzelmann"


def test_404_everywhere_is_not_found() -> None:
    result = resolve(
        paper_key("10.1000/missing"),
        [
            CrossrefClient(client(replay({}))),
            OpenAlexClient(client(replay({}))),
            DataCiteClient(client(replay({}))),
        ],
    )
    assert result.status is PaperStatus.NOT_FOUND
    assert "crossref: 404" in (result.error or "")


def test_network_error_is_unresolved_and_clearly_marked() -> None:
    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no network", request=request)

    result = resolve(paper_key("10.17705/1cais.04607"), [CrossrefClient(client(offline))])
    assert result.status is PaperStatus.UNRESOLVED
    assert result.metadata is None
    assert result.error is not None
    assert result.error.startswith("crossref: network: ConnectError")


def test_429_reports_retry_after() -> None:
    limited = replay({"/works/": (429, "", {"Retry-After": "120"})})
    result = resolve(paper_key("10.17705/1cais.04607"), [CrossrefClient(client(limited))])
    assert result.status is PaperStatus.UNRESOLVED
    assert result.retry_after == 120.0


def test_fallback_to_openalex_after_crossref_404() -> None:
    handler = replay({"/works/doi:10.1515/bfp-2019-2055": (200, "openalex-W2951498914.json", {})})
    result = resolve(
        paper_key("https://doi.org/10.1515/BFP-2019-2055"),
        [CrossrefClient(client(replay({}))), OpenAlexClient(client(handler))],
    )
    assert result.resolved
    assert result.source == "openalex"


def test_zenodo_doi_goes_to_datacite_first() -> None:
    def crossref_must_not_be_asked(request: httpx.Request) -> httpx.Response:
        raise AssertionError(request.url)

    handler = replay({"/dois/": (200, "datacite-10.5281_zenodo.3763274.json", {})})
    result = resolve(
        paper_key("10.5281/zenodo.3763274"),
        [CrossrefClient(client(crossref_must_not_be_asked)), DataCiteClient(client(handler))],
    )
    assert result.source == "datacite"


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_unresolved(status: int) -> None:
    result = CrossrefClient(client(lambda _: httpx.Response(status))).resolve(
        paper_key("10.1000/x")
    )
    assert result.status is PaperStatus.UNRESOLVED


def test_hal_has_no_resolver_yet() -> None:
    result = resolve(paper_key("hal-01234567"), [CrossrefClient(client(replay({})))])
    assert result.status is PaperStatus.UNRESOLVED
    assert "no resolver" in (result.error or "")


def test_recorded_responses_give_the_fields_each_service_classifies_in() -> None:
    """What domains are assigned from: each recorded response's own classification,
    as the service says it (arXiv categories, Crossref's journal subject, DataCite's
    keywords without the Wikidata URIs, OpenAlex's concepts with their scores)."""
    arxiv = ArxivClient(
        client(replay({"/api/query": (200, "arxiv-hep-ex_0307015.atom.xml", {})}))
    ).resolve(paper_key("arXiv:hep-ex/0307015"))
    assert arxiv.metadata is not None
    assert arxiv.metadata.fields == [
        {"scheme": "arxiv", "value": "hep-ex", "primary": True},
        {"scheme": "arxiv", "value": "hep-ph", "primary": False},
    ]
    crossref = CrossrefClient(
        client(replay({"/works/": (200, "crossref-10.17705_1cais.04607.json", {})}))
    ).resolve(paper_key("10.17705/1cais.04607"))
    assert crossref.metadata is not None
    assert crossref.metadata.fields == [
        {"scheme": "crossref-subject", "value": "Information Systems"}
    ]
    datacite = DataCiteClient(
        client(replay({"/dois/": (200, "datacite-10.5281_zenodo.3763274.json", {})}))
    ).resolve(paper_key("10.5281/zenodo.3763274"))
    assert datacite.metadata is not None
    assert [f["value"] for f in datacite.metadata.fields] == [
        "Linked Data",
        "COVID-19",
        "Robert-Koch Insitute",
    ]
    openalex = OpenAlexClient(
        client(replay({"/works/": (200, "openalex-W2951498914.json", {})}))
    ).resolve(paper_key("10.1515/bfp-2019-2055"))
    assert openalex.metadata is not None
    assert [(f["value"], f["score"]) for f in openalex.metadata.fields] == [
        ("Humanities", 0.484445),
        ("Political science", 0.429106),
        ("Sociology", 0.364672),
        ("SciELO", 0.320098),
    ]
