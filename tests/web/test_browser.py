"""The pages in a real browser: Debian's Chromium driven by Playwright, against the
service started as ``make run`` starts it (``codecommons run``: its first-start
bootstrap loads the demo corpus and builds the ``demo`` dataset, then the API, a worker
and beat serve), pointed at this run's PostgreSQL and Redis.

Each flow of the site is clicked through end to end: a new user's first visit (find a
demo repository, one of its files, the demo build that contains it, its proof checked
with the verifier the page names, an opt-out started, a snippet attributed), drop a
file (hashed in the browser, and on the server when JavaScript is off), browse the
datasets, file opt-outs through to their status pages (proven by an SSH signature, and
by a proof file committed to a local git repository that the service's worker scans),
and attribute pasted snippets (the archived lines beside them, highlighted, escaped).
Every page gets a screenshot under ``test-artefacts/web/`` (``WEB_TEST_ARTEFACTS``
elsewhere) and an axe-core check (``vendor/axe.min.js``): no serious or critical
violation; the results per page are written to ``axe.json`` beside the screenshots.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select, text

from app.demo.loader import CORPUS
from app.models import Origin, Owner
from tests.optouts.test_sshsig import make_key, recorded, sign
from tests.processes import running_worker

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = Path(os.environ.get("WEB_TEST_ARTEFACTS", ROOT / "test-artefacts" / "web"))
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
API_KEY = "browser-test-key"
SIX = "https://github.com/benjaminp/six"
SIGNER = CORPUS / "projects" / "itsdangerous" / "src" / "itsdangerous" / "signer.py"
QUEUE = f"web-test-{uuid.uuid4().hex[:8]}"
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Chromium is not installed: `apt-get install -y chromium` (the browser tests "
    "drive /usr/bin/chromium; .ci/run installs it)",
)


@dataclass
class Site:
    url: str
    build: dict[str, Any]
    data_dir: Path
    axe: dict[str, Any] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wipe(engine: Engine) -> None:
    with engine.begin() as conn:
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        names = list(tables)
        for name in names:
            if name.startswith("dataset_manifest_") and name[17:].isdigit():
                conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
        kept = {"license", "alembic_version", "dataset_manifest"}
        wiped = [t for t in names if t not in kept and not t.startswith("dataset_manifest_")]
        conn.execute(text(f"TRUNCATE {', '.join(wiped)} RESTART IDENTITY CASCADE"))


class Forge(BaseHTTPRequestHandler):
    """A forge's key listing (the opt-out SSH check asks it for the account's keys):
    ``server.routes[path] = body``."""

    def do_GET(self) -> None:
        body = self.server.routes.get(self.path)  # type: ignore[attr-defined]
        data = json.dumps(body if body is not None else {"message": "Not Found"}).encode()
        self.send_response(200 if body is not None else 404)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def forge() -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), Forge)
    server.routes = {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def env(worker_env: dict[str, str], forge: Any) -> dict[str, str]:
    """What the app and its worker share: opt-out jobs on a queue of this module's own,
    the key listing of the fake forge."""
    base = f"http://127.0.0.1:{forge.server_address[1]}"
    return dict(
        worker_env,
        API_KEYS=API_KEY,
        RATE_LIMIT_ENABLED="false",
        OPTOUTS_QUEUE=QUEUE,
        OPTOUTS_SECRET="web-tests-secret",
        OPTOUTS_KEY_API_URLS=json.dumps({"github.com": f"{base}/github"}),
    )


@pytest.fixture(scope="module")
def worker(env: dict[str, str], server_dir: Path, engine: Engine) -> Iterator[None]:
    """A real Celery worker with this module's settings on the opt-out queue: the
    opt-out checks (the service's own worker, started by ``codecommons run``, takes
    the default queue: builds and scans)."""
    with running_worker(env, server_dir / f"worker-{QUEUE}.log", queues=QUEUE):
        yield


@pytest.fixture(scope="module")
def site(engine: Engine, env: dict[str, str], worker: None, server_dir: Path) -> Iterator[Site]:
    """The service started the way ``make run`` starts it: ``codecommons run`` on an
    empty database (this run's PostgreSQL and Redis instead of the embedded ones, a
    data folder of its own), whose first-start bootstrap loads the demo corpus and
    builds the ``demo`` dataset, then serves the API with its worker and beat."""
    _wipe(engine)  # a first start: no origin yet
    port = _free_port()
    data_dir = server_dir / "web-run"
    log_path = server_dir / "codecommons-run-web.log"
    run_env = dict(
        env,
        LOAD_DEMO="true",
        DATA_DIR=str(data_dir),
        API_HOST="127.0.0.1",
        API_PORT=str(port),
        WORKER_CONCURRENCY="1",
    )
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "run"],
            env=run_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=30) as api:
            deadline = time.monotonic() + 300
            while True:
                try:
                    if api.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"codecommons run did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.3)
            build = api.get("/v1/datasets/demo/builds/1").json()
            assert build["state"] == "succeeded", build
            assert build["files"] > 0
        found = Site(url, build, data_dir)
        yield found
    finally:
        server.terminate()  # SIGTERM: the API stops, then its worker and beat
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
        _wipe(engine)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "axe.json").write_text(json.dumps(found.axe, indent=2, sort_keys=True))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    context = browser.new_context(bypass_csp=True, base_url=site.url, accept_downloads=True)
    tab = context.new_page()
    yield tab
    context.close()


def check_page(site: Site, page: Any, name: str) -> None:
    """Screenshot the page, run axe-core in it, and fail on a serious or critical
    violation (the results go to axe.json). axe is injected as an inline script, which
    the pages' Content-Security-Policy forbids: the contexts bypass it (``bypass_csp``),
    as a test tool may."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' '))})); }"
    )
    site.axe[name] = {"url": page.url, "violations": result}
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: accessibility violations: {json.dumps(bad, indent=2)}"
    assert page.title(), f"{name} has no title"


def test_a_new_user_from_the_first_start(site: Site, page: Any) -> None:
    """What a new user does after ``make run``, without docs: find a demo repository,
    one of its files, the demo dataset build that contains it, its proof (checked with
    the verifier the page names), an opt-out started, and a snippet of the file
    attributed to it."""
    page.goto("/")
    check_page(site, page, "home")
    page.get_by_label("Repository URL, package, SWHID or account").fill("six")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?q=six")
    check_page(site, page, "search")
    page.get_by_role("link", name="benjaminp/six").first.click()
    page.wait_for_url("**/origins/*")
    origin_page = page.url
    assert "benjaminp/six" in page.title()
    check_page(site, page, "origin")
    datasets = page.locator(
        "section", has=page.get_by_role("heading", name="Datasets that include it")
    )
    assert "demo, build 1" in datasets.inner_text()
    datasets.get_by_role("link", name="Which files, with proofs").click()
    page.wait_for_url("**/check?q=**")
    assert "In 1 of 1 dataset build." in page.content()
    check_page(site, page, "check-repository")
    # its file six.py: asked about by its SWHID in "Am I in it?"
    row = page.locator("article.build-hit tr", has=page.locator("code", has_text="six.py"))
    swhid = row.locator("code.hash").first.inner_text()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Am I in it?").click()
    page.wait_for_url("**/check")
    page.get_by_label("A repository URL, your account").fill(swhid)
    page.get_by_role("button", name="Check", exact=True).click()
    page.wait_for_url("**/check?q=*")
    answer_section = page.locator("main section").first
    assert f"The file {swhid}" in answer_section.inner_text()
    hit = page.locator("article.build-hit")
    assert hit.count() == 1
    assert "demo, build 1" in hit.get_by_role("heading").inner_text()
    check_page(site, page, "check-file-swhid")
    with page.expect_download() as download:
        hit.get_by_role("link", name="Download the proof").click()
    proof = Path(download.value.path())
    # the verifier, run as the page says (proof.json: the downloaded file)
    command = hit.locator(".verify code").inner_text().split()
    assert command[:3] == ["codecommons", "datasets", "verify"]
    assert site.build["fingerprints"]["extensional"] in command
    verified = subprocess.run(
        [sys.executable, "-m", "app.cli", *command[1:3], str(proof), *command[4:]],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stderr
    assert f"verified: {swhid} IS in the build" in verified.stdout
    # an opt-out, started from the repository's page
    page.goto(origin_page)
    page.get_by_role("link", name="Opt this repository out").click()
    page.wait_for_url("**/optout?origin_url=**")
    assert page.get_by_label("Repository URL (repository, paths, one file)").input_value() == SIX
    page.get_by_role("button", name="File the opt-out").click()
    page.wait_for_load_state()
    assert "Opt-out filed" in page.title(), page.locator("main").inner_text()
    page.get_by_role("link", name="Go to the status page").click()
    page.wait_for_url("**/optout/*")
    assert "pending" in page.locator(".status").inner_text()
    page.get_by_role("button", name="Withdraw this request").click()  # leave six as it was
    page.wait_for_load_state()
    # a snippet of six.py, attributed to it
    lines = (CORPUS / "projects" / "six" / "six.py").read_text(encoding="utf-8").splitlines()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Attribution").click()
    page.wait_for_url("**/attribution")
    page.get_by_label("Code to attribute").fill("\n".join(lines[99:140]) + "\n")
    page.get_by_role("button", name="Attribute").click()
    page.wait_for_load_state()
    best = page.locator("article.match").first
    assert best.get_by_role("heading").first.inner_text().endswith("six.py")
    assert SIX in best.inner_text()


def test_drop_a_file(site: Site, browser: Any) -> None:
    """The same file found by hashing it in the browser, then, without JavaScript,
    by uploading it to be hashed on the server."""
    six = CORPUS / "projects" / "six" / "six.py"
    for javascript in (True, False):
        context = browser.new_context(
            bypass_csp=True, base_url=site.url, java_script_enabled=javascript
        )
        page = context.new_page()
        page.goto("/check")
        if javascript:
            check_page(site, page, "check")
        page.set_input_files("#file", str(six))
        if javascript:
            # the browser hashes it and never sends it: no request to /check/file
            sent: list[str] = []
            page.on("request", lambda r, sent=sent: sent.append(r.url))
        page.get_by_role("button", name="Check this file").click()
        page.wait_for_url(
            "**/check?q=swh%3A1%3Acnt%3A*" if javascript else "**/check?q=swh:1:cnt:*"
        )
        page.wait_for_load_state()
        assert "The file swh:1:cnt:" in page.content()
        assert "dataset build" in page.content()
        if javascript:
            assert not [u for u in sent if u.endswith("/check/file")]
            check_page(site, page, "check-file")
        context.close()


def test_browse_the_datasets(site: Site, page: Any) -> None:
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Datasets").click()
    page.wait_for_url("**/datasets")
    check_page(site, page, "datasets")
    page.get_by_label("Language").select_option("Python")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/datasets?*language=Python*")
    page.get_by_role("link", name="demo", exact=True).click()
    page.wait_for_url("**/datasets/demo")
    check_page(site, page, "dataset")
    page.get_by_role("link", name="build 1").click()
    page.wait_for_url("**/datasets/demo/builds/1")
    check_page(site, page, "build")
    assert site.build["fingerprints"]["extensional"] in page.content()
    assert page.locator("svg[role=img]").count() >= 4
    with page.expect_download() as download:
        page.get_by_role("link", name="Manifest as JSONL").click()
    lines = Path(download.value.path()).read_text().splitlines()
    assert len(lines) == site.build["files"]


def test_opt_out_to_its_status_page(site: Site, page: Any) -> None:
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Opt out").click()
    page.wait_for_url("**/optout")
    check_page(site, page, "optout")
    page.get_by_label("A repository", exact=True).check()
    page.get_by_label("Repository URL (repository, paths, one file)").fill(SIX)
    page.get_by_label("A file in the repository").check()
    page.get_by_role("button", name="File the opt-out").click()
    page.wait_for_load_state()
    assert "Opt-out filed" in page.title()
    check_page(site, page, "optout-filed")
    assert page.locator("#token-value").inner_text().startswith("cco_")
    assert ".codecommons-optout" in page.content()
    page.get_by_role("link", name="Go to the status page").click()
    page.wait_for_url("**/optout/*")
    assert "pending" in page.locator(".status").inner_text()
    affected = page.locator("section", has=page.get_by_role("heading", name="Builds it affects"))
    assert "demo, build 1" in affected.inner_text()
    check_page(site, page, "optout-status")
    page.get_by_role("button", name="Withdraw this request").click()
    page.wait_for_load_state()
    assert "withdrawn" in page.locator(".status").inner_text()
    assert page.locator("section", has_text="History").locator("tbody tr").count() == 2


def test_opt_out_verified_by_ssh_signature(
    site: Site, page: Any, forge: Any, engine: Engine, tmp_path: Path
) -> None:
    """Filed in the browser, signed with ssh-keygen, checked by the worker against the
    keys the forge lists for the repository's owner: in force, and the pages say so."""
    with engine.connect() as conn:
        login, account_id = conn.execute(
            select(Owner.display_login, Owner.native_id)
            .join(Origin, Origin.owner_id == Owner.id)
            .where(Origin.url == SIX)
        ).one()
    key, public = make_key(tmp_path)
    user = dict(recorded("github/user_rafaparadela.json"), login=login, id=int(str(account_id)))
    forge.routes[f"/github/users/{login}"] = user
    forge.routes[f"/github/users/{login}/keys"] = [{"id": 424242, "key": public}]

    page.goto("/optout")
    page.get_by_label("A repository", exact=True).check()
    page.get_by_label("Repository URL (repository, paths, one file)").fill(SIX)
    page.get_by_label("any", exact=True).uncheck()
    page.get_by_label("ai-training", exact=True).check()
    page.get_by_label("Your SSH key").check()
    page.get_by_role("button", name="File the opt-out").click()
    page.wait_for_load_state()
    assert "Opt-out filed" in page.title(), page.content()
    assert "ssh-keygen -Y sign" in page.content()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this statement").click()
    statement = Path(download.value.path()).read_bytes()
    page.get_by_role("link", name="Go to the status page").click()
    page.wait_for_url("**/optout/*")
    page.get_by_label("The contents of statement.txt.sig").fill(sign(key, statement))
    page.get_by_role("button", name="Send the signature").click()
    page.wait_for_url("**/optout/*")
    deadline = time.monotonic() + 120
    while "active" not in page.locator(".status").inner_text():
        assert time.monotonic() < deadline, page.locator("main").inner_text()
        time.sleep(0.5)
        page.reload()
    history = page.locator("section", has_text="History").inner_text()
    assert "verified" in history
    affected = page.locator("section", has=page.get_by_role("heading", name="Builds it affects"))
    assert "demo, build 1" in affected.inner_text()
    check_page(site, page, "optout-verified")
    # the repository's page counts it (aggregate only)
    page.goto("/search?q=" + SIX)
    assert "1 opt-out in force covers this repository" in page.locator("main").inner_text()


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
        check=True,
        capture_output=True,
    )


def test_opt_out_verified_by_a_proof_file(site: Site, page: Any, tmp_path: Path) -> None:
    """A repository of the owner's own (a local git repository, scannable by file URL
    under SCAN_LOCAL_ROOTS): filed in the browser, the issued file committed at the
    documented path, a check asked for on the status page; the service's worker scans
    the repository and the request is in force."""
    repo = tmp_path / "mine"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "code.py").write_text("print('mine')\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first")
    url = repo.resolve().as_uri()
    with httpx.Client(base_url=site.url, timeout=30) as api:  # the repository, known
        auth = {"Authorization": f"Bearer {API_KEY}"}
        scan = api.post("/v1/scans", json={"location": url, "origin_url": url}, headers=auth)
        assert scan.status_code == 202, scan.text
        _wait_job(api, scan.json()["id"])

    page.goto("/optout")
    page.get_by_label("A repository", exact=True).check()
    page.get_by_label("Repository URL (repository, paths, one file)").fill(url)
    page.get_by_label("A file in the repository").check()
    page.get_by_role("button", name="File the opt-out").click()
    page.wait_for_load_state()
    assert "Opt-out filed" in page.title(), page.locator("main").inner_text()
    steps = page.locator("section", has=page.get_by_role("heading", name="What to do next"))
    assert ".codecommons-optout" in steps.inner_text()
    contents = steps.locator("pre.code").inner_text()
    assert "\ncodecommons-optout: ccoproof-" in contents
    page.get_by_role("link", name="Go to the status page").click()
    page.wait_for_url("**/optout/*")
    status_page = page.url

    def check_now(until: str) -> None:
        """Ask for a check, then reload until the scan's outcome is on the page."""
        page.get_by_role("button", name="I committed it: check now").click()
        page.wait_for_url(status_page)
        deadline = time.monotonic() + 120
        while until not in page.locator("main").inner_text():
            assert time.monotonic() < deadline, page.locator("main").inner_text()
            time.sleep(0.5)
            page.reload()

    # not committed yet: still pending, and the page says why
    check_now("no .codecommons-optout at the root")
    assert "pending" in page.locator(".status").inner_text()
    (repo / ".codecommons-optout").write_text(contents.rstrip("\n") + "\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "opt out")
    check_now("Status: active")
    assert "active" in page.locator(".status").inner_text()
    history = page.locator("section", has_text="History").inner_text()
    assert "verified" in history
    check_page(site, page, "optout-proof-file-verified")


def _wait_job(api: httpx.Client, job_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while (job := api.get(f"/v1/jobs/{job_id}").json())["state"] not in {"succeeded", "failed"}:
        assert time.monotonic() < deadline, job
        time.sleep(0.3)
    assert job["state"] == "succeeded", job
    found: dict[str, Any] = job
    return found


HIGHLIGHT = "rgb(255, 248, 197)"  # table.side tr.hit td (site.css)


def test_attribute_a_pasted_snippet(site: Site, page: Any) -> None:
    """Lines pasted from a file of the demo corpus, one comment edited: the page names
    the file, its repository (linked to its page), and shows the matched lines side by
    side, highlighted: the snippet's and the archived file's own, read from the content
    storage (the edited line beside the original)."""
    start, end = 120, 160
    lines = SIGNER.read_text(encoding="utf-8").splitlines()
    pasted = lines[start - 1 : end]
    edited = 139 - start  # "#: oldest to newest. ...", a comment: no token of it counts
    assert lines[138].strip().startswith("#: oldest to newest")
    pasted[edited] = pasted[edited].replace("oldest to newest", "EDITED IN THE SNIPPET")
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Attribution").click()
    page.wait_for_url("**/attribution")
    check_page(site, page, "attribution-form")
    page.get_by_label("Code to attribute").fill("\n".join(pasted) + "\n")
    page.get_by_label("Language").select_option("python")
    page.get_by_role("button", name="Attribute").click()
    page.wait_for_load_state()
    assert page.title().startswith("Attribution: "), page.locator("main").inner_text()
    best = page.locator("article.match").first
    assert "src/itsdangerous/signer.py" in best.get_by_role("heading").first.inner_text()
    first = best.locator("ul.ranges li").first.inner_text()
    snippet_start = int(first.split("snippet lines ")[1].split("\N{EN DASH}")[0])
    file_start = int(first.split("file lines ")[1].split("\N{EN DASH}")[0])
    assert snippet_start <= 2
    assert file_start == start - 1 + snippet_start
    table = best.locator("table.side")
    assert "not in this commons' content storage" not in best.inner_text()
    hit = table.locator("tr.hit").first
    cells = hit.locator("td")
    assert cells.nth(0).inner_text() == str(snippet_start)
    assert cells.nth(2).inner_text() == str(file_start)
    # the archived file's line, beside the snippet's, both highlighted
    assert cells.nth(3).locator("mark code").inner_text() == lines[file_start - 1]
    assert cells.nth(1).locator("mark code").inner_text() == pasted[snippet_start - 1]
    for n in (1, 3):
        assert cells.nth(n).evaluate("e => getComputedStyle(e).backgroundColor") == HIGHLIGHT
    # the edited line: the snippet's version beside the archived original
    row = table.locator("tr.hit", has=page.locator("td.archived", has_text="oldest to newest"))
    assert row.count() == 1
    assert row.locator("td").nth(2).inner_text() == "139"
    assert row.locator("td.archived").inner_text() == lines[138]
    assert "EDITED IN THE SNIPPET" in row.locator("td.snippet").inner_text()
    assert not any("EDITED" in t for t in table.locator("td.archived").all_inner_texts())
    check_page(site, page, "attribution")
    best.get_by_role("link", name="https://github.com/pallets/itsdangerous").first.click()
    page.wait_for_url("**/origins/*")
    assert "pallets/itsdangerous" in page.title()


def test_archived_html_is_escaped(site: Site, page: Any) -> None:
    """A demo file with markup in it (``'...<locals>.A.B'`` in six's tests), pasted
    without it: the archived side shows the markup as text, never as an element."""
    lines = (CORPUS / "projects" / "six" / "test_six.py").read_text(encoding="utf-8")
    pasted = lines.splitlines()[884:925]
    assert any("<locals>" in line for line in pasted)
    snippet = "\n".join(line.replace("<locals>", "LOCALS") for line in pasted) + "\n"
    page.goto("/attribution")
    page.get_by_label("Code to attribute").fill(snippet)
    page.get_by_role("button", name="Attribute").click()
    page.wait_for_load_state()
    best = page.locator("article.match").first
    assert best.get_by_role("heading").first.inner_text().endswith("test_six.py")
    archived = best.locator("td.archived", has_text="<locals>")
    assert archived.count() == 1
    assert archived.inner_text() == "    expected = 'test_add_metaclass_nested.<locals>.A.B'"
    assert page.locator("locals").count() == 0  # no element made of it
    assert archived.locator("mark").count() == 1
    check_page(site, page, "attribution-escaped")


def test_reads_on_a_phone(site: Site, browser: Any) -> None:
    context = browser.new_context(
        bypass_csp=True, base_url=site.url, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.goto("/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the home page scrolls sideways on a phone ({width}px)"
    check_page(site, page, "home-phone")
    context.close()
