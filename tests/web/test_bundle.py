"""The built page in the package: fresh (built from the committed sources), complete, served
at / beside the service, and linked from the TAP landing page. No browser and no node needed."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from lxml import etree
from starlette.testclient import TestClient

from tap_service.web import page

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"


def sources_hash() -> str:
    """What web/build.mjs `sourcesHash` computes: sha256 over "<path>\\t<sha256>\\n" lines of
    every file of web/src, package.json, package-lock.json and build.mjs, sorted."""
    inputs = [p for p in (WEB / "src").rglob("*") if p.is_file()]
    inputs += [WEB / name for name in ("package.json", "package-lock.json", "build.mjs")]
    lines = sorted(
        f"{p.relative_to(WEB).as_posix()}\t{hashlib.sha256(p.read_bytes()).hexdigest()}\n"
        for p in inputs
    )
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def test_the_committed_bundle_is_built_from_the_committed_sources() -> None:
    html = (page.STATIC / "index.html").read_text()
    recorded = re.search(r'<meta name="lcdb-web-sources" content="([0-9a-f]{64})">', html)
    assert recorded is not None, "index.html carries no sources hash: rebuild with web/build.mjs"
    expected = sources_hash()
    stale = "the page's bundle is stale: run `cd web && npm ci && npm run build` and commit it"
    assert recorded.group(1) == expected, stale
    for name in page.ASSETS:
        head = (page.STATIC / name).read_text()[:200]
        assert expected in head, f"{name}: {stale}"
        assert f"static/{name}?v={expected[:12]}" in html
    assert f"/* sources {expected} */" in html  # the inline CSS
    # nothing is left in the bundle's directory that is not served
    assert {p.name for p in page.STATIC.iterdir()} == {"index.html", *page.ASSETS}


def test_the_bundle_needs_nothing_from_the_network() -> None:
    """No URL of another host in the page or its assets: the installed service is offline."""
    for name in ("index.html", *page.ASSETS):
        text = (page.STATIC / name).read_text()
        remote = re.search(
            r"""(?:src|href)\s*=\s*["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//""", text
        )
        assert remote is None, (
            f"{name} loads from another host: {text[remote.start() : remote.end() + 60]}"
        )


def test_the_page_and_its_assets_are_served(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    document = etree.fromstring(response.content, etree.HTMLParser())
    for src in [
        *document.xpath("//script/@src"),
        *document.xpath("//link[@rel='stylesheet']/@href"),
    ]:
        asset = client.get("/" + src)
        assert asset.status_code == 200, src
        assert asset.headers["content-type"].split(";")[0] in ("text/javascript", "text/css")


def test_only_the_bundle_is_served(client: TestClient) -> None:
    for path in ("/static/index.html", "/static/page.py", "/static/..%2Fpage.py", "/static/x.js"):
        response = client.get(path)
        assert response.status_code == 404, path


def test_the_landing_page_links_the_page(client: TestClient) -> None:
    document = etree.fromstring(client.get("/tap").content, etree.HTMLParser())
    assert "http://testserver/" in document.xpath("//a/@href")
