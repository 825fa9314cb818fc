"""The web page at / in headless Chromium (Playwright), against a real server on loopback.

Chromium is Debian's (`/usr/bin/chromium`; `playwright install` cannot download here). Without it
these tests skip, except in CI (`CI` set), where they must run. Screenshots are kept under
`artifacts/` at the repository root (gitignored) and in pytest's tmp folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from newstrace.cli import app as cli

from .conftest import EXAMPLES, ROOT
from .serve_server import LiveServer

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = ROOT / "artifacts"
TOKEN = "page-token"
SEED_REWRITE = (EXAMPLES / "seed_rewrite.txt").read_text(encoding="utf-8")
SEED_SOURCE = (EXAMPLES / "seed_source.txt").read_text(encoding="utf-8")
HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><b onmouseover="x()">bold</b>'

if CHROMIUM is None:
    if os.environ.get("CI"):
        pytest.fail("chromium is missing in CI: .ci/run installs it (apt-get install -y chromium)")
    pytest.skip("chromium is not installed (apt-get install -y chromium): no page tests", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    index = tmp_path_factory.mktemp("serve-page") / "index"
    corpus, seed = str(ROOT / "examples" / "corpus"), str(EXAMPLES / "seed_source.txt")
    added = CliRunner().invoke(cli, ["index", "add", corpus, seed, "--index", str(index)])  # as `make serve`
    assert added.exit_code == 0, added.output
    with LiveServer(index, "--token", TOKEN) as live:
        yield live


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.requests = []  # every URL the page asked for: it must never leave the server
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.on("dialog", lambda d: pytest.fail(f"a dialog opened: {d.message}"))
    pg.goto(server.url + "/")
    yield pg
    assert all(u.startswith(server.url + "/") for u in pg.requests), pg.requests
    context.close()


def _keep(pg, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / name
    pg.screenshot(path=str(shot), full_page=True)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / name)
    return shot


def _in_view(pg, pane: str, selector: str) -> bool:
    return pg.evaluate(
        """([pane, sel]) => { const p = document.getElementById(pane), n = p.querySelector(sel);
             const a = p.getBoundingClientRect(), b = n.getBoundingClientRect();
             return b.top >= a.top - 1 && b.top <= a.bottom + 1; }""",
        [pane, selector],
    )


def test_seed_rewrite_finds_its_source(page, tmp_path):
    """Paste the seed rewrite: the seed source is found, highlighted side by side, findings scroll both sides."""
    page.fill("#article", SEED_REWRITE)
    page.select_option("#encoder", "minilm")  # the model, as compare ships
    page.click("#submit")
    first = page.locator("#sources tbody tr").first
    first.wait_for(timeout=60_000)
    assert "seed_source.txt" in first.inner_text()
    assert first.locator(".role").inner_text() == "source"
    assert first.locator(".verdict").inner_text() in ("heavy", "light", "copy")
    assert page.locator("#summary").inner_text().startswith("Derived from the source")
    # aligned passages on both sides, in the same colour class for the same pair
    pair = page.locator("#suspect-text span.al").first.get_attribute("data-a").split()[0]
    kind = page.locator(f'#suspect-text span.al[data-a~="{pair}"]').first.get_attribute("class").split()[1]
    assert page.locator(f'#source-text span.al.{kind}[data-a~="{pair}"]').count() >= 1
    assert page.locator("#suspect-text .unsupported").count() >= 1
    assert page.locator("#source-text .dropped").count() >= 1
    severities = page.locator("#findings li").evaluate_all("ls => ls.map(l => l.className)")
    assert severities and severities == sorted(severities, key=["critical", "warning", "info"].index)
    # the finding deepest in the article with a mark on both sides: clicking it scrolls both panes there
    fid = page.evaluate(
        """() => { let best = null, top = -1;
             for (const b of document.querySelectorAll('#findings button')) {
               const f = b.dataset.f, sel = `[data-f~="${f}"]`;
               const s = document.querySelector('#source-text ' + sel);
               const t = document.querySelector('#suspect-text ' + sel);
               if (s && t && t.offsetTop > top) { best = f; top = t.offsetTop; } }
             return best; }"""
    )
    assert fid, "no finding has a place on both sides"
    button = page.locator(f'#findings button[data-f="{fid}"]')
    button.focus()
    page.keyboard.press("Enter")  # keyboard, not the mouse
    page.wait_for_timeout(200)
    scrolled = page.evaluate("() => [document.getElementById('source-text').scrollTop, "
                             "document.getElementById('suspect-text').scrollTop]")
    assert scrolled[0] > 0 and scrolled[1] > 0, scrolled
    assert _in_view(page, "source-text", f'[data-f~="{fid}"]') and _in_view(page, "suspect-text", f'[data-f~="{fid}"]')
    assert page.locator(f'#suspect-text .active[data-f~="{fid}"]').count() >= 1
    _keep(page, tmp_path, "serve-page.png")

    page.set_viewport_size({"width": 400, "height": 860})
    page.wait_for_timeout(200)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 400
    assert page.locator("#source-text").bounding_box()["width"] <= 400
    _keep(page, tmp_path, "serve-page-narrow.png")


def test_api_docs_render_offline(page, server):
    """/docs is Swagger UI from the app's own assets, and it renders every endpoint of /openapi.json."""
    page.goto(server.url + "/docs")
    page.locator(".opblock").first.wait_for(timeout=30_000)
    shown = page.locator(".opblock-summary-path").all_inner_texts()
    for path in ("/api/compare", "/api/trace", "/api/documents", "/api/stats", "/healthz"):
        assert any(path in s for s in shown), (path, shown)


def test_compare_with_an_uploaded_html_page(page, tmp_path):
    """Paste the rewrite, upload the source as an HTML page: it is read as HTML and the two compared."""
    html = tmp_path / "source.html"
    paragraphs = "".join(f"<p>{p}</p>" for p in SEED_SOURCE.split("\n") if p.strip())
    html.write_text(f"<!doctype html><html><body><nav>Home | World</nav><article>{paragraphs}</article></body></html>")
    page.fill("#article", SEED_REWRITE)
    page.set_input_files("#other-file", str(html))
    page.wait_for_function("() => document.getElementById('other-html').checked")
    page.select_option("#encoder", "static")
    page.click("#submit")
    row = page.locator("#sources tbody tr").first
    row.wait_for(timeout=60_000)
    assert "the text you gave" in row.inner_text() and row.locator(".role").inner_text() == "source"
    assert page.locator("#findings li").count() >= 1
    assert page.locator("#source-text span.al").count() >= 5
    assert "<p>" not in page.locator("#source-text").inner_text()  # the page's main text, not its markup


def test_hostile_html_is_shown_as_text(page, server, tmp_path):
    """Hostile markup in every input (both text boxes, an uploaded file, an indexed id, title and text) stays text."""
    doc = {"id": "evil" + HOSTILE, "title": HOSTILE, "outlet": HOSTILE, "text": HOSTILE + "\n" + SEED_SOURCE}
    added = httpx.post(server.url + "/api/documents", json={"documents": [doc]},
                       headers={"Authorization": f"Bearer {TOKEN}"})
    assert added.status_code == 200, added.text
    try:
        page.fill("#article", HOSTILE + "\n" + SEED_REWRITE)
        page.select_option("#encoder", "static")
        page.click("#submit")
        page.locator("#sources tbody tr").first.wait_for(timeout=60_000)
        page.get_by_role("button", name=HOSTILE, exact=False).first.click()
        assert HOSTILE in page.locator("#source-text").inner_text()
        assert HOSTILE in page.locator("#suspect-text").inner_text()
        assert HOSTILE in page.locator("#sources").inner_text()

        upload = tmp_path / "hostile.txt"
        upload.write_text(HOSTILE + "\n" + SEED_REWRITE, encoding="utf-8")
        page.set_input_files("#article-file", str(upload))
        page.wait_for_function("() => document.getElementById('article').value.includes('__pwned')")
        page.uncheck("#article-html")
        page.fill("#other", HOSTILE + "\n" + SEED_SOURCE)
        page.click("#submit")
        page.wait_for_function("() => document.querySelector('#sources tbody tr td button').textContent === "
                               "'the text you gave'")
        assert HOSTILE in page.locator("#source-text").inner_text()
        page.locator("#findings button").first.click()
        assert page.evaluate("() => window.__pwned") is None
        for area in ("#results", "#detail"):
            assert page.locator(f"{area} script, {area} img, {area} b[onmouseover]").count() == 0
    finally:
        httpx.delete(server.url + "/api/documents/" + doc["id"], headers={"Authorization": f"Bearer {TOKEN}"})
