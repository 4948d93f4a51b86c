"""The web pages through the app in process: status, title, caching, escaping of what a
visitor types, CSRF, upload limits, and that each page shows what the services say."""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.attribution.schemas import MAX_SNIPPET_BYTES, LineRangeOut
from app.datasets import verify
from app.models import Origin
from app.scans.service import run_scan
from app.web import service
from app.web.markdown import render
from app.web.routes import MAX_UPLOAD_BYTES, web_url
from tests import factories as f
from tests.datasets.conftest import World

SIGNER = (
    Path(__file__).resolve().parents[2]
    / "app/demo/corpus/projects/itsdangerous/src/itsdangerous/signer.py"
)
SCANNED_AT = "https://github.com/example/signing"

HOSTILE = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def title(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found is not None
    return found.group(1).strip()


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, "the form carries no CSRF token"
    return found.group(1)


def assert_escaped(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_home(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert title(r.text) == "CodeCommons"
    assert r.headers["cache-control"] == "public, max-age=60"
    for landmark in ("<main", "<nav", "<header", "<footer", 'role="search"'):
        assert landmark in r.text
    assert '<label for="q">' in r.text


def test_pages_are_not_in_the_api_contract(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith(("/v1", "/problems", "/healthz", "/readyz"))]


@pytest.mark.parametrize("path", ["/search", "/check", "/datasets"])
def test_hostile_query_is_escaped(client: TestClient, path: str) -> None:
    params = {"q": HOSTILE} if path != "/datasets" else {"purpose": HOSTILE}
    r = client.get(path, params=params)
    assert r.status_code == 200
    if path != "/datasets":
        assert_escaped(r.text)
        assert "&lt;script&gt;" in title(r.text)
    else:
        assert "<script>alert" not in r.text


def test_search_by_url_goes_to_the_origin(client: TestClient, corpus: World) -> None:
    big = corpus.origins["big"]
    r = client.get("/search", params={"q": big.url}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/origins/{big.id}"


def test_search_by_words_and_account(client: TestClient, corpus: World, db: Session) -> None:
    big = corpus.origins["big"]
    r = client.get("/search", params={"q": "big"})
    assert r.status_code == 200
    assert f'href="/origins/{big.id}"' in r.text
    big.owner_id = f.OwnerFactory(login="acme").id
    db.flush()
    for q in ("@acme", "github.com/acme", "https://github.com/acme/"):
        r = client.get("/search", params={"q": q})
        assert r.status_code == 200
        assert "Account acme on github.com" in r.text, q
        assert f'href="/origins/{big.id}"' in r.text
        assert f'href="/origins/{corpus.origins["small"].id}"' not in r.text


def test_search_unknown_swhid(client: TestClient, db: Session) -> None:
    r = client.get("/search", params={"q": "swh:1:cnt:" + "0" * 40})
    assert r.status_code == 200
    assert "missing" in r.text


def test_origin_page(client: TestClient, built: dict[str, Any], corpus: World) -> None:
    big = corpus.origins["big"]
    r = client.get(f"/origins/{big.id}")
    assert r.status_code == 200
    assert title(r.text).startswith(big.full_name)
    assert r.headers["cache-control"] == "public, max-age=60"
    assert "Reconciled license: <strong>MIT</strong>" in r.text
    assert 'href="/datasets/roadmap/builds/1"' in r.text
    assert "No opt-out in force" in r.text


def test_missing_origin_is_an_html_404(client: TestClient, db: Session) -> None:
    r = client.get("/origins/999999")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert title(r.text).startswith("Not found")
    # the API keeps its problem+json
    api = client.get("/v1/origins/999999")
    assert api.headers["content-type"] == "application/problem+json"


def test_catalog_and_filters(client: TestClient, built: dict[str, Any]) -> None:
    r = client.get("/datasets")
    assert r.status_code == 200
    assert title(r.text).startswith("Datasets")
    assert 'href="/datasets/roadmap"' in r.text
    assert '<option value="Python">' in r.text
    assert '<option value="MIT">' in r.text
    assert 'href="/datasets/roadmap"' in client.get("/datasets?language=Python").text
    assert 'href="/datasets/roadmap"' in client.get("/datasets?license=MIT").text
    assert 'href="/datasets/roadmap"' in client.get("/datasets?purpose=pre-training").text
    assert 'href="/datasets/roadmap"' not in client.get("/datasets?language=COBOL").text
    assert 'href="/datasets/roadmap"' not in client.get("/datasets?purpose=evaluation").text
    assert 'href="/datasets/roadmap"' not in client.get("/datasets?license=GPL-2.0-only").text


def test_dataset_and_build_pages(client: TestClient, built: dict[str, Any]) -> None:
    r = client.get("/datasets/roadmap")
    assert r.status_code == 200
    assert 'href="/datasets/roadmap/builds/1"' in r.text
    r = client.get("/datasets/roadmap/builds/1")
    assert r.status_code == 200
    assert title(r.text).startswith("roadmap, build 1")
    assert built["fingerprints"]["extensional"] in r.text
    assert built["fingerprints"]["intensional"] in r.text
    for fmt in ("jsonl", "csv", "parquet"):
        link = f'href="/v1/datasets/roadmap/builds/1/export/{fmt}"'
        assert link in r.text
        assert client.get(f"/v1/datasets/roadmap/builds/1/export/{fmt}").status_code == 200
    assert r.text.count('<svg role="img"') >= 4  # funnel, languages, licenses, forges...
    assert "near duplicates" in r.text  # the funnel's steps
    assert '<div class="card">' in r.text
    assert "<table>" in r.text
    assert 'src="/v1/datasets/roadmap/builds/1/charts/languages.png"' in r.text
    assert client.get("/v1/datasets/roadmap/builds/1/charts/languages.png").status_code == 200
    # withdrawals since the build, and the dataset's change feed
    for link in (
        "/v1/datasets/roadmap/builds/1/withdrawals",
        "/v1/datasets/roadmap/withdrawals/feed.json",
        "/v1/datasets/roadmap/withdrawals/feed.atom",
    ):
        assert f'href="{link}"' in r.text
        assert client.get(link).status_code == 200, link


def test_unknown_dataset_and_build(client: TestClient, built: dict[str, Any]) -> None:
    assert client.get("/datasets/nope").status_code == 404
    assert client.get("/datasets/roadmap/builds/9").status_code == 404


def test_markdown_is_rendered_safely() -> None:
    html = render(
        "# T\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=y>\n\n"
        "| a | b |\n| - | - |\n| 1 | 2 |\n"
    )
    assert "<script>" not in html
    assert "<img" not in html
    assert 'href="javascript:' not in html
    assert "<table>" in html
    assert "<h1>T</h1>" in html


def _member(client: TestClient) -> dict[str, Any]:
    rows = client.get("/v1/datasets/roadmap/builds/1/manifest").json()
    first: dict[str, Any] = rows["items"][0]
    return first


def test_check_a_file_by_swhid(client: TestClient, built: dict[str, Any]) -> None:
    row = _member(client)
    r = client.get("/check", params={"q": row["swhid"]})
    assert r.status_code == 200
    assert "In 1 of 1 dataset build." in r.text
    assert row["path"] in r.text
    proof_url = re.search(r'href="(/v1/datasets/roadmap/builds/1/membership\?swhid=[^"]+)"', r.text)
    assert proof_url is not None
    answer = client.get(proof_url.group(1)).json()
    fingerprint = built["fingerprints"]["extensional"]
    assert verify.verify(answer["proof"], row["swhid"], fingerprint, built["files"]) is True
    assert f"--fingerprint {fingerprint} --size {built['files']}" in r.text


def test_check_a_repository_and_a_stranger(client: TestClient, built: dict[str, Any]) -> None:
    row = _member(client)
    r = client.get("/check", params={"q": row["origin"]})
    assert r.status_code == 200
    assert "In 1 of 1 dataset build." in r.text
    assert row["swhid"] in r.text
    r = client.get("/check", params={"q": "swh:1:cnt:" + "f" * 40})
    assert "In none of the 1 dataset build." in r.text
    r = client.get("/check", params={"q": "https://example.org/nobody/nothing"})
    assert r.status_code == 200
    assert "Not found" in r.text


def test_dropped_file_is_hashed_on_the_server(client: TestClient, built: dict[str, Any]) -> None:
    page = client.get("/check")
    token = csrf_of(page.text)
    data = b"print('hello')\n"
    expected = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # noqa: S324 - git
    r = client.post(
        "/check/file",
        data={"csrf_token": token},
        files={"file": ("x.py", data)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/check?q=swh:1:cnt:{expected}"
    assert service.git_blob_swhid(data) == f"swh:1:cnt:{expected}"


def test_upload_without_csrf_is_refused(client: TestClient, db: Session) -> None:
    client.get("/check")  # the cookie is set, the form field is missing
    r = client.post("/check/file", files={"file": ("x.py", b"x")})
    assert r.status_code == 403
    r = client.post("/check/file", data={"csrf_token": "forged"}, files={"file": ("x", b"x")})
    assert r.status_code == 403


def test_upload_over_the_limit_is_refused_before_reading(client: TestClient, db: Session) -> None:
    token = csrf_of(client.get("/check").text)
    big = b"x" * (MAX_UPLOAD_BYTES + 128 * 1024)
    r = client.post("/check/file", data={"csrf_token": token}, files={"file": ("big", big)})
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html")


def _file_optout(client: TestClient, url: str, **extra: Any) -> Any:
    token = csrf_of(client.get("/optout").text)
    form = {"csrf_token": token, "kind": "origin", "origin_url": url, "uses": ["any"]}
    form["method"] = "proof-file"
    form.update(extra)
    return client.post("/optout", data=form)


def test_optout_form(client: TestClient, db: Session) -> None:
    r = client.get("/optout", params={"origin_url": HOSTILE})
    assert r.status_code == 200
    assert title(r.text).startswith("Opt out")
    assert r.headers["cache-control"] == "private, no-cache"
    assert "Retrieval-augmented generation" in r.text  # the purposes, explained
    assert "<img src=x" not in r.text
    for step in ("Step 1", "Step 2", "Step 3"):
        assert step in r.text


def test_optout_without_csrf_is_refused(client: TestClient, corpus: World) -> None:
    client.get("/optout")
    url = corpus.origins["big"].url
    r = client.post("/optout", data={"kind": "origin", "origin_url": url, "method": "proof-file"})
    assert r.status_code == 403
    assert client.get("/v1/optouts/registry").json()["version"] == 0


def test_optout_refused_scope_shows_why(client: TestClient, db: Session) -> None:
    r = _file_optout(client, "https://github.com/nobody/" + HOSTILE)
    assert r.status_code == 422
    assert "Not filed:" in r.text
    assert "<img src=x" not in r.text


def test_optout_flow_to_status(client: TestClient, built: dict[str, Any], corpus: World) -> None:
    r = _file_optout(client, corpus.origins["big"].url)
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "private, no-store"
    token = re.search(r'id="token-value">(cco_[^<]+)<', r.text)
    assert token is not None
    assert ".codecommons-optout" in r.text
    public_id = re.search(r'href="/optout/([^"]+)"', r.text)
    assert public_id is not None
    status = client.get(f"/optout/{public_id.group(1)}")  # the browser's cookie
    assert status.status_code == 200
    assert ">pending<" in status.text
    assert "requested" in status.text  # the history
    assert 'href="/datasets/roadmap/builds/1"' in status.text  # the build it would affect
    # another browser (no cookie) is asked for the token; a wrong one reveals nothing
    other = TestClient(client.app)
    asked = other.get(f"/optout/{public_id.group(1)}")
    assert 'name="token"' in asked.text
    assert ">pending<" not in asked.text
    wrong = other.post(
        f"/optout/{public_id.group(1)}",
        data={"token": "cco_wrong", "csrf_token": csrf_of(asked.text)},
    )
    assert wrong.status_code == 404
    assert ">pending<" not in wrong.text
    right = other.post(
        f"/optout/{public_id.group(1)}",
        data={"token": token.group(1), "csrf_token": csrf_of(asked.text)},
    )
    assert right.status_code == 200
    assert ">pending<" in right.text
    # withdrawing it from its page
    page = client.get(f"/optout/{public_id.group(1)}")
    done = client.post(
        f"/optout/{public_id.group(1)}/action",
        data={"action": "withdraw", "csrf_token": csrf_of(page.text)},
    )
    assert done.status_code == 200
    assert ">withdrawn<" in done.text


def test_optout_action_without_csrf_is_refused(client: TestClient, corpus: World) -> None:
    r = _file_optout(client, corpus.origins["big"].url)
    public_id = re.search(r'href="/optout/([^"]+)"', r.text)
    assert public_id is not None
    refused = client.post(f"/optout/{public_id.group(1)}/action", data={"action": "withdraw"})
    assert refused.status_code == 403
    assert ">pending<" in client.get(f"/optout/{public_id.group(1)}").text


def test_security_headers_and_links_from_the_data(client: TestClient, db: Session) -> None:
    r = client.get("/")
    assert "script-src" not in r.headers["content-security-policy"]  # default-src 'self'
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert web_url("javascript:alert(1)") == "#"
    assert web_url(" https://x.org") == "#"
    assert web_url("https://x.org/a") == "https://x.org/a"


# --- attribution --------------------------------------------------------------------------


@pytest.fixture
def scanned(tmp_path: Path, session_factory: sessionmaker[Session]) -> Path:
    """A demo file scanned (and so indexed for attribution) as part of a repository."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "signer.py").write_bytes(SIGNER.read_bytes())
    run_scan(str(tmp_path), origin_url=SCANNED_AT, factory=session_factory)
    return tmp_path


def _attribute(client: TestClient, snippet: str, **extra: str) -> Any:
    token = csrf_of(client.get("/attribution").text)
    return client.post("/attribution", data={"csrf_token": token, "snippet": snippet, **extra})


def test_attribution_form(client: TestClient, db: Session) -> None:
    r = client.get("/attribution")
    assert r.status_code == 200
    assert title(r.text).startswith("Attribution")
    assert r.headers["cache-control"] == "private, no-cache"
    assert '<label for="snippet">' in r.text
    assert '<label for="language">' in r.text
    assert 'href="/attribution"' in client.get("/").text  # in the navigation and home


def test_attribution_without_csrf_is_refused(client: TestClient, db: Session) -> None:
    client.get("/attribution")  # the cookie is set, the form field is missing
    r = client.post("/attribution", data={"snippet": "x = 1\n"})
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("text/html")
    r = client.post("/attribution", data={"snippet": "x = 1\n", "csrf_token": "forged"})
    assert r.status_code == 403


def test_a_scanned_file_is_attributed(client: TestClient, scanned: Path, db: Session) -> None:
    start, end = 120, 160
    lines = SIGNER.read_text(encoding="utf-8").splitlines()
    r = _attribute(client, "\n".join(lines[start - 1 : end]) + "\n")
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "private, no-cache"
    origin_id = db.scalar(select(Origin.id).where(Origin.url == SCANNED_AT))
    assert f'<a href="/origins/{origin_id}">{SCANNED_AT}</a>' in r.text
    assert "pkg/signer.py" in r.text
    assert re.search(r"<code class=\"hash\">swh:1:cnt:[0-9a-f]{40}</code>", r.text)
    # the first matched range, side by side: snippet line n is archived line start-1+n
    ranges = r"snippet lines (\d+)\u2013(\d+) ↔ file lines <strong>(\d+)\u2013(\d+)"
    found = re.search(ranges, r.text)
    assert found is not None
    snippet_start, _, file_start, _ = map(int, found.groups())
    assert file_start == start - 1 + snippet_start
    assert snippet_start <= 2
    row = re.search(
        rf'<tr class="hit">\s*<td class="num">{snippet_start}</td>.*?'
        rf'<td class="num">{file_start}</td>.*?</tr>',
        r.text,
        re.S,
    )
    assert row is not None
    # both sides, highlighted: the pasted line and the archived file's own line
    archived = html.escape(lines[file_start - 1], quote=False)
    assert row.group(0).count(f"<mark><code>{archived}</code></mark>") == 2
    assert "What they ask" in r.text


def test_archived_lines_without_their_bytes(
    client: TestClient, scanned: Path, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No content storage (or one that lacks the file): the line numbers alone, and a
    note that says why."""
    monkeypatch.setattr("app.web.service.content_store", lambda: None)
    lines = SIGNER.read_text(encoding="utf-8").splitlines()
    r = _attribute(client, "\n".join(lines[119:160]) + "\n")
    assert r.status_code == 200, r.text
    assert "bytes are not in this commons' content storage" in r.text
    assert '<th scope="col">Archived file</th>' not in r.text
    assert re.search(r'<tr class="hit">\s*<td class="num">\d+</td>', r.text)
    archived = html.escape(lines[142], quote=False)
    assert r.text.count(f"<code>{archived}</code>") == 1  # the snippet's copy only


def test_attribution_escapes_and_limits(client: TestClient, scanned: Path, db: Session) -> None:
    r = _attribute(client, HOSTILE + "\n", language=HOSTILE)
    assert r.status_code == 200
    assert_escaped(r.text)
    assert "No archived file" in r.text
    r = _attribute(client, "é" * (MAX_SNIPPET_BYTES // 2 + 1))  # 64 KB + 2 bytes in UTF-8
    assert r.status_code == 413
    assert "up to 64 KB" in r.text
    r = _attribute(client, "   \n")
    assert r.status_code == 422
    assert "blank" in r.text


def test_side_rows_number_lines_as_attribution_does() -> None:
    """The page numbers lines where the tokenizer does: a U+2028 or a form feed inside
    a line does not start a new one (``str.splitlines`` would, shifting every row
    after it), and a lone "\\r" does."""
    from app.attribution.tokens import lexer_for, split_lines, tokenize

    snippet = 'x = "a\u2028b"\n\x0cy = 2\nz = 3\n'
    lines = {t.line for t in tokenize(snippet, lexer_for("python"))}
    assert lines == {1, 2, 3}
    assert split_lines(snippet) == ['x = "a\u2028b"', "\x0cy = 2", "z = 3"]
    ranges = [LineRangeOut(snippet_start=3, snippet_end=3, file_start=7, file_end=7)]
    rows = service.side_rows(snippet, ranges, [f"f{n}" for n in range(1, 9)])
    assert [(r.snippet_number, r.snippet_text, r.file_text) for r in rows][-1] == (
        3,
        "z = 3",
        "f7",
    )
    assert split_lines("a\rb\r\nc") == ["a", "b", "c"]  # an old Mac file's lines


def test_side_rows_pair_ranges_line_by_line() -> None:
    """Unmatched snippet lines stand alone; inside a range, line i of each side face
    each other, and the shorter side of an uneven range is padded (every matched
    line of both shown once)."""
    snippet = "a\nb\nc\nd\ne\n"
    archived = [f"f{n}" for n in range(1, 21)]
    ranges = [
        LineRangeOut(snippet_start=2, snippet_end=3, file_start=10, file_end=12),
        LineRangeOut(snippet_start=5, snippet_end=5, file_start=20, file_end=20),
    ]
    rows = service.side_rows(snippet, ranges, archived)
    got = [(r.snippet_number, r.snippet_text, r.file_number, r.file_text, r.hit) for r in rows]
    assert got == [
        (1, "a", None, None, False),
        (2, "b", 10, "f10", True),
        (3, "c", 11, "f11", True),
        (None, None, 12, "f12", True),
        (4, "d", None, None, False),
        (5, "e", 20, "f20", True),
    ]
    # without the bytes: the same pairs, numbers only
    bare = service.side_rows(snippet, ranges, None)
    assert [(r.snippet_number, r.file_number, r.file_text) for r in bare] == [
        (r[0], r[2], None) for r in got
    ]
