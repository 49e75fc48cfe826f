// The page: examples and tables on the side, the ADQL editor, a paged result table with
// downloads in every output format, and for rows with DataLink a lightcurve panel (plot,
// downloads, the target's other sectors and processings, the sky view).

import "uplot/dist/uPlot.min.css";
import "./style.css";
import { createEditor } from "./editor.js";
import { plotLightcurve } from "./lightcurve.js";
import { drawSky } from "./sky.js";
import {
  TAP,
  ServiceError,
  asyncQuery,
  examples,
  lightcurveCsv,
  links,
  literal,
  outputFormats,
  queryParams,
  syncQuery,
  tableset,
} from "./tap.js";

const $ = (id) => document.getElementById(id);

function el(tag, attributes = {}, ...content) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "onclick") node.addEventListener("click", v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  node.append(...content.filter((c) => c !== null && c !== undefined));
  return node;
}

const DEFAULT_QUERY =
  "SELECT TOP 20 obs_publisher_did, dataproduct_type, target_name, obs_title, t_min, t_max\n" +
  "FROM ivoa.obscore\nORDER BY dataproduct_type DESC, t_min";
const PAGE_SIZES = [25, 100, 500];
const EXTENSIONS = { votable: "vot", csv: "csv", tsv: "tsv" };

const state = { formats: [], query: null, maxrec: null, result: null, page: 0, pageSize: 100, plot: null, opened: 0 };

const editor = createEditor($("editor"), { label: "ADQL query", onRun: () => run(), initial: DEFAULT_QUERY });

// ---- side: examples and tables ----------------------------------------------------------------

async function loadExamples() {
  const list = $("example-list");
  try {
    const found = await examples();
    list.replaceChildren(
      ...found.map((example) =>
        el(
          "li",
          {},
          el("button", {
            type: "button",
            class: "example",
            "data-example": example.id,
            title: example.description,
            text: example.name,
            onclick: () => {
              editor.text = example.query;
              setStatus(`Example “${example.name}” is in the editor: run it with the button or Ctrl+Enter.`);
              editor.focus();
            },
          }),
        ),
      ),
    );
  } catch (error) {
    list.replaceChildren(el("li", { class: "error", text: `No examples: ${error.message}` }));
  }
}

async function loadTables() {
  const box = $("table-list");
  try {
    const schemas = await tableset();
    const completion = {};
    const blocks = [];
    for (const schema of schemas) {
      for (const table of schema.tables) {
        completion[table.name] = table.columns.map((c) => c.name);
        const rows = table.columns.map((c) =>
          el(
            "tr",
            { "data-search": `${table.name} ${c.name} ${c.ucd} ${c.unit} ${c.description}`.toLowerCase() },
            el(
              "th",
              { scope: "row" },
              el("button", {
                type: "button",
                class: "linkish",
                text: c.name,
                "aria-label": `Insert column ${c.name} of ${table.name} into the query`,
                onclick: () => editor.insert(/^[a-z_][a-z0-9_]*$/i.test(c.name) ? c.name : `"${c.name}"`),
              }),
            ),
            el("td", { text: c.datatype }),
            el("td", { text: c.unit }),
            el("td", { text: c.ucd }),
            el("td", { text: c.description }),
          ),
        );
        const details = el(
          "details",
          { "data-search": `${table.name} ${table.description}`.toLowerCase() },
          el("summary", {}, el("span", { class: "table-name", text: table.name }), " ", el("span", { class: "hint", text: table.description })),
          el(
            "p",
            {},
            el("button", {
              type: "button",
              class: "small",
              text: "Query this table",
              "aria-label": `Put a query of ${table.name} into the editor`,
              onclick: () => {
                editor.text = `SELECT TOP 100 *\nFROM ${table.name}`;
                editor.focus();
              },
            }),
          ),
          el(
            "table",
            { class: "columns-table" },
            el("caption", { class: "visually-hidden", text: `Columns of ${table.name}` }),
            el(
              "thead",
              {},
              el("tr", {}, ...["column", "type", "unit", "UCD", "description"].map((h) => el("th", { scope: "col", text: h }))),
            ),
            el("tbody", {}, ...rows),
          ),
        );
        blocks.push(details);
      }
    }
    box.replaceChildren(...blocks);
    editor.setSchema(completion);
  } catch (error) {
    box.replaceChildren(el("p", { class: "error", text: `No tables: ${error.message}` }));
  }
}

$("table-filter").addEventListener("input", (event) => {
  const words = event.target.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
  for (const details of $("table-list").querySelectorAll("details")) {
    const own = details.dataset.search;
    let any = false;
    for (const row of details.querySelectorAll("tbody tr")) {
      const hit = words.every((w) => row.dataset.search.includes(w) || own.includes(w));
      row.hidden = !hit;
      any ||= hit;
    }
    details.hidden = !any;
    details.open = words.length > 0 && any;
  }
});

// ---- running a query -----------------------------------------------------------------------------

function setStatus(text) {
  $("status").textContent = text;
}

function showError(error) {
  const box = $("error");
  box.replaceChildren(el("p", { class: "message", text: error.message }));
  if (error.line !== null && error.line !== undefined) {
    editor.showError(error.line, error.column, error.message);
    box.append(
      el("button", {
        type: "button",
        class: "small",
        text: `Show line ${error.line}, column ${error.column} in the editor`,
        onclick: () => editor.focus(),
      }),
    );
  }
  box.hidden = false;
}

async function run() {
  const query = editor.text;
  const maxrec = $("maxrec").value;
  const mode = $("mode").value;
  const button = $("run");
  $("error").hidden = true;
  editor.clearError();
  button.disabled = true;
  $("editor-section").setAttribute("aria-busy", "true");
  setStatus(mode === "async" ? "Submitting the job…" : "Running…");
  const started = performance.now();
  try {
    const options = { maxrec, onJob: (job) => setStatus(`Job ${job} is running…`) };
    const result = await (mode === "async" ? asyncQuery(query, options) : syncQuery(query, options));
    state.query = query;
    state.maxrec = maxrec;
    state.result = result;
    state.page = 0;
    renderResults();
    const ms = Math.round(performance.now() - started);
    setStatus(`${result.rows.length} row${result.rows.length === 1 ? "" : "s"}${result.overflow ? ` (cut at MAXREC=${maxrec})` : ""} in ${ms} ms.`);
  } catch (error) {
    setStatus("The query failed.");
    showError(error instanceof ServiceError ? error : new ServiceError(String(error.message ?? error), 0));
  } finally {
    button.disabled = false;
    $("editor-section").removeAttribute("aria-busy");
  }
}

$("query-form").addEventListener("submit", (event) => {
  event.preventDefault();
  run();
});

// ---- results ---------------------------------------------------------------------------------

/**
 * How a row's data is found: the result's DataLink service descriptor (a column of IDs), or
 * else ObsCore's access_url when it is a links document ({url, column} or {direct, column}).
 */
function datalinkOf(result) {
  const service = result.services.find((s) => (s.standardID ?? "").startsWith("ivo://ivoa.net/std/DataLink#links"));
  const input = service?.inputs.find((p) => p.name === "ID" && p.ref);
  const column = input ? result.fields.findIndex((f) => f.id === input.ref) : -1;
  if (column >= 0) return { url: service.accessURL, column };
  const access = result.fields.findIndex((f) => f.name === "access_url" || (f.utype ?? "").toLowerCase() === "obscore:access.reference");
  if (access < 0) return null;
  const format = result.fields.findIndex((f) => f.name === "access_format");
  const isLinks = (row) =>
    row[access] !== null &&
    (format >= 0 ? (row[format] ?? "").includes("content=datalink") : /\/datalink(\?|$)/.test(row[access]));
  return result.rows.some(isLinks) ? { direct: true, column: access, isLinks } : null;
}

function cellText(field, value) {
  if (value === null) return "";
  if (field.arraysize && field.datatype !== "char" && field.datatype !== "unicodeChar") {
    const items = value.trim().split(/\s+/).filter(Boolean);
    if (items.length > 6) return `${items.slice(0, 4).join(" ")} … (${items.length} values)`;
  }
  return value.length > 200 ? `${value.slice(0, 200)}…` : value;
}

const NUMERIC = new Set(["short", "int", "long", "float", "double", "unsignedByte"]);

function renderDownloads() {
  const nav = $("downloads");
  const params = (format) => queryParams(state.query, { maxrec: state.maxrec, format });
  nav.replaceChildren(
    el("span", { class: "hint", text: "Download: " }),
    ...state.formats.map((f) => {
      const name = f.alias ?? f.mime;
      const ext = EXTENSIONS[name.split("/")[0]] ?? "dat";
      return el("a", {
        href: `${TAP}/sync?${params(name)}`,
        download: `result.${ext}`,
        class: "download",
        "data-format": name,
        title: f.mime,
        text: name,
      });
    }),
  );
}

function renderResults() {
  const { fields, rows, overflow } = state.result;
  $("results").hidden = false;
  renderDownloads();
  const datalink = datalinkOf(state.result);
  const pages = Math.max(1, Math.ceil(rows.length / state.pageSize));
  state.page = Math.min(state.page, pages - 1);
  const first = state.page * state.pageSize;
  const shown = rows.slice(first, first + state.pageSize);
  const header = el(
    "tr",
    {},
    datalink ? el("th", { scope: "col", text: "data" }) : null,
    ...fields.map((f) =>
      el(
        "th",
        { scope: "col", title: [f.description, f.ucd && `UCD ${f.ucd}`, f.datatype].filter(Boolean).join(" · ") },
        el("span", { text: f.name }),
        f.unit ? el("span", { class: "unit", text: f.unit }) : null,
      ),
    ),
  );
  const body = shown.map((row, k) => {
    const number = first + k + 1;
    const id = datalink && (!datalink.direct || datalink.isLinks(row)) ? row[datalink.column] : null;
    return el(
      "tr",
      {},
      datalink
        ? el(
            "td",
            {},
            id === null
              ? null
              : el("button", {
                  type: "button",
                  class: "small open",
                  text: "Open",
                  "aria-label": `Open the data of row ${number} (${id})`,
                  onclick: () => (datalink.direct ? openLinks(id, idOf(id) ?? id) : openProduct(datalink.url, id)),
                }),
          )
        : null,
      ...fields.map((f, i) => el("td", { class: NUMERIC.has(f.datatype) && !f.arraysize ? "num" : null, text: cellText(f, row[i]) })),
    );
  });
  const caption = `${rows.length} row${rows.length === 1 ? "" : "s"}${overflow ? `, cut at MAXREC=${state.maxrec}` : ""}; rows ${rows.length ? first + 1 : 0}–${first + shown.length} shown`;
  $("result-table").replaceChildren(
    el("table", { class: "results" }, el("caption", { text: caption }), el("thead", {}, header), el("tbody", {}, ...body)),
  );
  renderPager(pages);
}

function renderPager(pages) {
  const go = (page) => () => {
    state.page = page;
    renderResults();
  };
  const size = el(
    "select",
    { id: "page-size" },
    ...PAGE_SIZES.map((n) => el("option", { value: n, selected: n === state.pageSize, text: String(n) })),
  );
  size.addEventListener("change", () => {
    state.pageSize = Number(size.value);
    state.page = 0;
    renderResults();
  });
  const p = state.page;
  $("pager-top").replaceChildren(
    el("button", { type: "button", class: "small", text: "First", disabled: p === 0, onclick: go(0) }),
    el("button", { type: "button", class: "small", text: "Previous", disabled: p === 0, onclick: go(p - 1) }),
    el("span", { text: ` page ${p + 1} of ${pages} ` }),
    el("button", { type: "button", class: "small", text: "Next", disabled: p >= pages - 1, onclick: go(p + 1) }),
    el("button", { type: "button", class: "small", text: "Last", disabled: p >= pages - 1, onclick: go(pages - 1) }),
    el("label", { for: "page-size", text: " Rows per page " }),
    size,
  );
}

// ---- a product's data: links, lightcurve, other sectors, sky -----------------------------------

function productQuery(did) {
  const columns = "o.obs_publisher_did, o.obs_title, o.dataproduct_type, o.obs_collection, o.t_min, o.t_max, o.o_unit, o.s_ra, o.s_dec, o.target_name";
  return {
    self: `SELECT ${columns}\nFROM ivoa.obscore AS o\nWHERE o.obs_publisher_did = ${literal(did)}`,
    same: `SELECT ${columns}\nFROM ivoa.obscore AS o\nJOIN ivoa.obscore AS me ON me.target_name = o.target_name\nWHERE me.obs_publisher_did = ${literal(did)} AND o.dataproduct_type = 'timeseries'\nORDER BY o.t_min, o.obs_title`,
  };
}

function records(table) {
  return table.rows.map((row) => Object.fromEntries(table.fields.map((f, i) => [f.name, row[i]])));
}

function idOf(url) {
  try {
    return new URL(url, location.href).searchParams.get("ID");
  } catch {
    return null;
  }
}

async function openProduct(serviceUrl, id) {
  const url = `${serviceUrl}${serviceUrl.includes("?") ? "&" : "?"}ID=${encodeURIComponent(id)}`;
  return openLinks(url, id);
}

async function openLinks(url, label) {
  const opened = ++state.opened; // a later click wins over a slower earlier one
  for (const mark of ["click", "links", "fetched", "plotted"]) performance.clearMarks(`lightcurve-${mark}`);
  performance.clearMeasures("lightcurve");
  performance.mark("lightcurve-click");
  const panel = $("lightcurve");
  panel.hidden = false;
  $("lc-h").textContent = `Data of ${label}`;
  $("lc-status").textContent = "Fetching the links…";
  $("lc-plot-block").hidden = true;
  $("lc-links").replaceChildren();
  $("lc-others").replaceChildren();
  $("lc-sky").replaceChildren();
  state.plot?.destroy();
  state.plot = null;
  $("lc-h").focus();
  let rows;
  try {
    rows = await links(url);
  } catch (error) {
    $("lc-status").textContent = `No links: ${error.message}`;
    return;
  }
  if (opened !== state.opened) return;
  performance.mark("lightcurve-links");
  renderLinks(rows);
  const own = rows.find((r) => r.semantics === "#this" && r.access_url);
  const csv = rows.find((r) => r.semantics === "#this" && (r.content_type ?? "").startsWith("text/csv"));
  const did = idOf(own?.access_url) ?? label;
  const errors = rows.filter((r) => r.error_message).map((r) => r.error_message);
  const queries = productQuery(did);
  const selfTask = syncQuery(queries.self).then(records);
  const curveTask = csv ? lightcurveCsv(csv.access_url) : null;
  try {
    const [self] = await selfTask;
    if (opened !== state.opened) return;
    if (self?.obs_title) $("lc-h").textContent = self.obs_title;
    if (curveTask) {
      const curve = await curveTask;
      if (opened !== state.opened) return;
      performance.mark("lightcurve-fetched");
      drawCurve(curve, self);
    } else {
      $("lc-status").textContent = errors.length ? errors.join("; ") : "This product has no lightcurve to plot.";
    }
    if (self) {
      showOthers(queries.same, did, self.dataproduct_type === "timeseries");
      showSky(self);
    }
  } catch (error) {
    $("lc-status").textContent = `Could not show the data: ${error.message}`;
  }
}

function renderLinks(rows) {
  const items = rows
    .filter((r) => r.access_url)
    .map((r) => {
      const isLinks = (r.content_type ?? "").includes("content=datalink");
      const text = r.description ?? r.semantics;
      return el(
        "li",
        {},
        el("a", { href: r.access_url, download: r.content_type === "application/fits" ? true : null, text }),
        " ",
        el("span", { class: "hint", text: `${r.semantics} · ${r.content_type ?? ""}` }),
        isLinks
          ? el("button", {
              type: "button",
              class: "small",
              text: "Open here",
              "aria-label": `Open here: ${text}`,
              onclick: () => openLinks(r.access_url, idOf(r.access_url) ?? text),
            })
          : null,
      );
    });
  $("lc-links").replaceChildren(...items);
}

function drawCurve(curve, self) {
  $("lc-plot-block").hidden = false;
  const started = performance.now();
  const handle = plotLightcurve($("lc-plot"), curve, {
    unit: self?.o_unit,
    showFlagged: $("lc-flagged").checked,
    clip: $("lc-clip").checked,
    onDrawn: () => {
      performance.mark("lightcurve-plotted");
      performance.measure("lightcurve", "lightcurve-click", "lightcurve-plotted");
    },
  });
  state.plot = handle;
  $("lc-from").value = handle.range[0].toFixed(4);
  $("lc-to").value = handle.range[1].toFixed(4);
  $("lc-caption").textContent =
    `${handle.cadences} cadences, ${handle.flagged} flagged (quality ≠ 0, in red). Drag across the plot to zoom in, ` +
    "double-click or “Reset zoom” to see it all.";
  $("lc-status").textContent = `Plotted ${handle.cadences} cadences in ${Math.round(performance.now() - started)} ms.`;
  $("lc-plot").setAttribute("data-cadences", String(handle.cadences));
}

$("lc-zoom").addEventListener("submit", (event) => {
  event.preventDefault();
  const from = Number($("lc-from").value);
  const to = Number($("lc-to").value);
  if (state.plot && Number.isFinite(from) && Number.isFinite(to) && from !== to) state.plot.zoom(from, to);
});
$("lc-reset").addEventListener("click", () => state.plot?.reset());
$("lc-flagged").addEventListener("change", (event) => state.plot?.showFlagged(event.target.checked));
$("lc-clip").addEventListener("change", (event) => state.plot?.clip(event.target.checked));

async function showOthers(query, did, isCurve) {
  const box = $("lc-others");
  if (!isCurve) {
    box.replaceChildren(el("p", { class: "hint", text: "Not a lightcurve." }));
    return;
  }
  try {
    const others = records(await syncQuery(query));
    const rows = others.map((o) => {
      const current = o.obs_publisher_did === did;
      return el(
        "tr",
        { "aria-current": current ? "true" : null },
        el("td", { text: o.obs_title }),
        el("td", { class: "num", text: o.t_min === null ? "" : Number(o.t_min).toFixed(3) }),
        el("td", { class: "num", text: o.t_max === null ? "" : Number(o.t_max).toFixed(3) }),
        el(
          "td",
          {},
          current
            ? el("span", { class: "hint", text: "shown" })
            : el("button", {
                type: "button",
                class: "small",
                text: "Plot",
                "aria-label": `Plot ${o.obs_title}`,
                onclick: () => openProduct(`${TAP}/datalink`, o.obs_publisher_did),
              }),
        ),
      );
    });
    box.replaceChildren(
      el(
        "table",
        { class: "results" },
        el("caption", { text: `${others.length} lightcurves of this target (ObsCore)` }),
        el("thead", {}, el("tr", {}, ...["lightcurve", "t_min (MJD)", "t_max (MJD)", ""].map((h) => el("th", { scope: "col", text: h })))),
        el("tbody", {}, ...rows),
      ),
    );
  } catch (error) {
    box.replaceChildren(el("p", { class: "error", text: `Could not list them: ${error.message}` }));
  }
}

async function showSky(self) {
  const box = $("lc-sky");
  const ra = Number(self.s_ra);
  const dec = Number(self.s_dec);
  if (self.s_ra === null || !Number.isFinite(ra) || !Number.isFinite(dec)) {
    box.replaceChildren(el("p", { class: "hint", text: "No position for this product." }));
    return;
  }
  const query =
    "SELECT o.s_region, o.instrument_name, COUNT(*) AS frames, MIN(o.t_min) AS t_min\nFROM ivoa.obscore AS o\n" +
    `WHERE o.dataproduct_type = 'image' AND 1 = CONTAINS(POINT('ICRS', ${ra}, ${dec}), o.s_region)\n` +
    "GROUP BY o.s_region, o.instrument_name\nORDER BY t_min";
  try {
    const found = records(await syncQuery(query, { maxrec: 200 }));
    const footprints = found.map((f) => ({
      region: f.s_region,
      label: `${f.instrument_name ?? "frame"} (${f.frames} frame${f.frames === "1" ? "" : "s"})`,
    }));
    drawSky(box, { ra, dec, name: self.target_name ? `TIC ${self.target_name}` : "target", footprints });
    box.append(
      el("p", {
        class: "hint",
        text: footprints.length
          ? `Footprints of the full-frame images covering the position: ${footprints.map((f) => f.label).join(", ")}.`
          : "No frame footprints cover this position.",
      }),
    );
  } catch (error) {
    box.replaceChildren(el("p", { class: "error", text: `No sky view: ${error.message}` }));
  }
}

// ---- start ------------------------------------------------------------------------------------

outputFormats()
  .then((formats) => {
    state.formats = formats;
    if (state.result) renderDownloads();
  })
  .catch((error) => setStatus(`The output formats are unknown: ${error.message}`));
loadExamples();
loadTables();
