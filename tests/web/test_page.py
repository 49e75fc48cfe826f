"""The page for people in a real browser (headless Chromium through Playwright) against the
real service on a real database: load it, run an example, page through rows, download every
format, open a lightcurve and see it plotted with the target's sectors and sky view; errors at
their line and column; labels, keyboard use and a console without errors.

Screenshots of each step are written to the artefacts directory (printed at the end)."""

from __future__ import annotations

import csv
import io
import math
import re
from typing import Any

import httpx
import pyarrow.parquet
import pytest
from lxml import etree

from tap_service.examples import EXAMPLES
from tests.obscore.conftest import TIC
from tests.web.conftest import Page

pytestmark = pytest.mark.browser

OBSCORE_EXAMPLE = "data-at-a-position"


def run_example(web: Page, example_id: str) -> None:
    web.page.click(f'button[data-example="{example_id}"]')
    web.page.click("#run")
    web.page.wait_for_selector("table.results tbody tr")


def open_first_lightcurve(web: Page) -> None:
    run_example(web, OBSCORE_EXAMPLE)
    row = web.page.locator("table.results tbody tr", has_text="timeseries").first
    row.locator("button.open").click()
    web.page.wait_for_selector("#lc-plot canvas")
    web.page.wait_for_selector("#lc-sky svg")
    web.page.wait_for_selector("#lc-others table")


def test_the_page_loads_with_the_examples_and_the_tables(web: Page) -> None:
    page = web.page
    names = page.locator("button.example").all_inner_texts()
    assert names == [example.name for example in EXAMPLES]
    tables = page.locator("#table-list .table-name").all_inner_texts()
    assert {"ivoa.obscore", "lcdb.dataset", "TAP_SCHEMA.columns"} <= set(tables)
    # a column with its unit, UCD and description, from /tap/tables
    page.fill("#table-filter", "s_ra")
    obscore = page.locator("#table-list details", has_text="ivoa.obscore")
    assert obscore.get_attribute("open") is not None
    row = obscore.locator("tbody tr:not([hidden])", has_text="s_ra")
    assert "deg" in row.inner_text() and "pos.eq.ra" in row.inner_text()
    assert page.locator("#table-list details:not([hidden])").count() < len(tables)
    web.screenshot("01-loaded")
    assert web.console.unexpected() == []


def test_an_example_runs_and_shows_its_rows_with_units(web: Page) -> None:
    run_example(web, OBSCORE_EXAMPLE)
    page = web.page
    rows = page.locator("table.results tbody tr")
    assert rows.count() == 5  # the lightcurve (raw and PDC) and the 3 frames of its CCD
    headers = page.locator("table.results thead th").all_inner_texts()
    assert any(h.startswith("t_min") and h.endswith("d") for h in headers), headers
    assert "5 rows" in page.inner_text("#status")
    assert rows.locator("button.open").count() == 5  # access_url is a DataLink document
    web.screenshot("02-example-rows")
    assert web.console.unexpected() == []


def test_results_are_paged(web: Page) -> None:
    page = web.page
    page.click('button[data-example="columns-of-a-table"]')
    web.page.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.type("SELECT table_name, column_name, unit FROM TAP_SCHEMA.columns")
    page.click("#run")
    page.wait_for_selector("table.results tbody tr")
    total = int(re.search(r"(\d+) rows", page.inner_text("#status")).group(1))  # type: ignore[union-attr]
    assert total > 100
    assert page.locator("table.results tbody tr").count() == 100
    page.click("#pager-top >> text=Next")
    assert f"rows 101\u2013{min(200, total)} shown" in page.inner_text("table.results caption")
    page.select_option("#page-size", "25")
    assert page.locator("table.results tbody tr").count() == 25
    assert web.console.unexpected() == []


def test_downloads_are_offered_in_every_output_format(web: Page, obscore_live_url: str) -> None:
    run_example(web, OBSCORE_EXAMPLE)
    capabilities = etree.fromstring(httpx.get(f"{obscore_live_url}/capabilities").content)
    declared = {
        f.findtext("alias") or f.findtext("mime"): f.findtext("mime")
        for f in capabilities.iter("outputFormat")
    }
    links = web.page.locator("#downloads a")
    offered = [links.nth(i).get_attribute("data-format") for i in range(links.count())]
    assert offered == list(declared)
    for i, name in enumerate(offered):
        href = links.nth(i).get_attribute("href")
        assert href is not None and name is not None
        response = httpx.get(web.url + href)
        assert response.status_code == 200, (href, response.text[:300])
        bare = response.headers["content-type"].split(";")[0]
        assert bare == declared[name].split(";")[0], name
        body = response.text
        if name == "parquet":
            table = pyarrow.parquet.read_table(io.BytesIO(response.content))
            assert table.num_rows == 5, name
            assert b"IVOA.VOTable-Parquet.content" in table.schema.metadata, name
        elif name in ("csv", "tsv"):
            assert len(body.splitlines()) == 1 + 5, name
        elif name.endswith("td"):
            assert body.count("<TR>") == 5, name
        else:
            assert "<BINARY2>" in body and "QUERY_STATUS" in body, name
    assert web.console.unexpected() == []


def cadences_with_a_time(obscore_live_url: str, did: str) -> int:
    text = httpx.get(
        f"{obscore_live_url}/datalink/lightcurve", params={"ID": did, "RESPONSEFORMAT": "csv"}
    ).text
    rows = list(csv.DictReader(io.StringIO(text)))
    return sum(1 for r in rows if r["time"] and math.isfinite(float(r["time"])))


def ranges(page: Any, axis: str) -> tuple[float, float]:
    low, high = (page.get_attribute("#lc-plot", f"data-{axis}-range") or "").split()
    return float(low), float(high)


def test_a_lightcurve_opens_plotted_with_its_sectors_downloads_and_sky(
    web: Page, obscore_live_url: str
) -> None:
    open_first_lightcurve(web)
    page = web.page
    fits = page.locator("#lc-links a", has_text="FITS")
    did = httpx.URL(fits.get_attribute("href") or "").params["ID"]
    cadences = int(page.get_attribute("#lc-plot", "data-cadences") or 0)
    assert cadences == cadences_with_a_time(obscore_live_url, did) > 10_000
    assert f"TIC {TIC}" in page.inner_text("#lc-h")
    # the downloads lead to the documents themselves
    response = httpx.get(fits.get_attribute("href") or "")
    assert response.status_code == 200 and response.content.startswith(b"SIMPLE  =")
    # the target's other processings, the shown one marked
    others = page.locator("#lc-others tbody tr")
    assert others.count() == 2
    assert page.locator('#lc-others tr[aria-current="true"]').count() == 1
    # the sky: the target on the footprint of the CCD whose frames cover it
    assert page.locator("#lc-sky svg polygon").count() == 1
    assert "Camera 3/CCD 3" in page.inner_text("#lc-sky")
    duration = page.evaluate("performance.getEntriesByName('lightcurve')[0].duration")
    print(f"click to plotted ({cadences} cadences): {duration:.0f} ms")
    web.screenshot("03-lightcurve")
    # zoom by typed times, then back
    start, stop = (float(page.input_value(s)) for s in ("#lc-from", "#lc-to"))
    page.fill("#lc-from", str(start + 2))
    page.fill("#lc-to", str(start + 3))
    page.click("#lc-zoom >> text=Zoom")
    assert ranges(page, "x") == pytest.approx((start + 2, start + 3))
    web.screenshot("04-lightcurve-zoomed")
    page.click("#lc-reset")
    assert ranges(page, "x") == pytest.approx((start, stop), abs=1e-3)
    # the flux axis leaves out the most extreme cadences, unless asked not to
    clipped = ranges(page, "y")
    page.uncheck("#lc-clip")
    full = ranges(page, "y")
    assert full[0] <= clipped[0] and full[1] >= clipped[1] and full != clipped
    page.check("#lc-clip")
    # another processing of the same target, from the list
    page.locator("#lc-others button", has_text="Plot").first.click()
    page.wait_for_function("document.querySelector('#lc-plot canvas') !== null")
    page.wait_for_selector('#lc-others tr[aria-current="true"]')
    assert web.console.unexpected() == []
    assert stop > start


def test_an_error_is_shown_at_its_line_and_column(web: Page) -> None:
    page = web.page
    page.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.type("SELECT TOP 3 obs_id\nFROM ivoa.obscor")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#error:not([hidden])")
    message = page.inner_text("#error .message")
    assert "ivoa.obscore" in message and "(line 2, column 6)" in message
    marked = page.locator(".cm-lintRange-error")
    marked.wait_for()
    assert marked.inner_text() == "ivoa.obscor"
    # the cursor was put at the error: typing lands there
    page.click("#error >> text=Show line 2, column 6")
    page.keyboard.type("x")
    assert "FROM xivoa.obscor" in page.inner_text(".cm-content")
    web.screenshot("05-error", full_page=False)
    # the 400 of /tap/sync is the only thing the console reports
    assert web.console.unexpected("status of 400") == []


def test_async_queries_run_as_jobs(web: Page) -> None:
    page = web.page
    page.select_option("#mode", "async")
    run_example(web, OBSCORE_EXAMPLE)
    assert page.locator("table.results tbody tr").count() == 5
    assert web.console.unexpected() == []


def test_every_control_is_labelled(web: Page) -> None:
    open_first_lightcurve(web)
    unlabelled = web.page.evaluate(
        """() => {
          const name = (e) => (e.getAttribute('aria-label') || (e.labels && e.labels.length
            ? e.labels[0].textContent : '') || e.textContent || e.getAttribute('title') || '').trim();
          return Array.from(document.querySelectorAll('input, select, textarea, button, a[href],'
              + ' [contenteditable="true"]'))
            .filter((e) => e.offsetParent !== null && !name(e))
            .map((e) => e.outerHTML.slice(0, 120));
        }"""
    )
    assert unlabelled == []
    assert web.page.get_attribute(".cm-content", "aria-label") == "ADQL query"
    assert web.page.locator("#lc-sky svg[role=img][aria-label]").count() == 1


def test_the_page_works_from_the_keyboard(web: Page) -> None:
    page = web.page
    page.focus(f'button[data-example="{OBSCORE_EXAMPLE}"]')
    page.keyboard.press("Enter")  # puts the example in the editor and focuses it
    assert page.evaluate("document.activeElement.classList.contains('cm-content')")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("table.results tbody tr")
    # Tab from the run button reaches the first row's Open button
    page.focus("#run")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('open')"):
            break
    else:
        pytest.fail("Tab never reached a row's Open button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#lc-plot canvas")
    assert page.evaluate("document.activeElement.id") == "lc-h"  # the panel is announced
    # Tab in the editor leaves it (it is not swallowed as indentation)
    page.locator(".cm-content").focus()
    page.keyboard.press("Tab")
    assert not page.evaluate("document.activeElement.classList.contains('cm-content')")
    web.screenshot("06-keyboard")
    assert web.console.unexpected() == []


def test_a_dataset_row_opens_through_its_dataset_id(web: Page) -> None:
    """lcdb.dataset results carry the /datalink/dataset descriptor (ids, not DIDs); the
    arrays of a row are summarised, not printed."""
    run_example(web, "lightcurves-of-a-target")
    page = web.page
    rows = page.locator("table.results tbody tr")
    assert rows.count() == 2
    assert re.search(r"\(\d{5} values\)", rows.first.inner_text())
    rows.first.locator("button.open").click()
    page.wait_for_selector("#lc-plot canvas")
    assert int(page.get_attribute("#lc-plot", "data-cadences") or 0) > 10_000
    assert f"TIC {TIC}" in page.inner_text("#lc-h")
    web.screenshot("07-dataset-row")
    assert web.console.unexpected() == []


def test_a_frame_row_shows_its_links_and_footprint(web: Page) -> None:
    run_example(web, OBSCORE_EXAMPLE)
    page = web.page
    row = page.locator("table.results tbody tr", has_text="image").first
    row.locator("button.open").click()
    page.wait_for_selector("#lc-sky svg polygon")
    # the links document says why there is no file: the test service has no data root
    assert "LCDB_DATA_ROOT" in page.inner_text("#lc-status")
    assert page.is_hidden("#lc-plot-block")
    assert "Not a lightcurve" in page.inner_text("#lc-others")
    assert web.console.unexpected() == []


def test_a_result_cut_at_maxrec_says_so(web: Page) -> None:
    page = web.page
    page.fill("#maxrec", "3")
    run_example(web, OBSCORE_EXAMPLE)
    assert page.locator("table.results tbody tr").count() == 3
    assert "cut at MAXREC=3" in page.inner_text("table.results caption")
    assert "MAXREC=3" in (page.get_attribute("#downloads a >> nth=0", "href") or "")
    assert web.console.unexpected() == []
