// The service's public endpoints, as the page uses them: every URL is relative to the page
// (served at the site root, next to /tap), so the page works behind a proxy prefix too.

export const TAP = "tap";

/** A failure the service reported (a DALI error document) or a transport failure. */
export class ServiceError extends Error {
  constructor(message, status) {
    super(message);
    this.name = "ServiceError";
    this.status = status;
    const at = /\(line (\d+), column (\d+)\)/.exec(message);
    this.line = at ? Number(at[1]) : null;
    this.column = at ? Number(at[2]) : null;
  }
}

const parser = () => new DOMParser();

export function parseXml(text) {
  const doc = parser().parseFromString(text, "application/xml");
  if (doc.getElementsByTagName("parsererror").length) {
    throw new ServiceError("the service sent a document that is not XML", 0);
  }
  return doc;
}

/** Children of `node` with local name `name` (namespaces ignored: VOTable 1.3/1.4, VOSI). */
export function children(node, name) {
  const found = [];
  for (const child of node.children) if (child.localName === name) found.push(child);
  return found;
}

export function child(node, name) {
  for (const c of node.children) if (c.localName === name) return c;
  return null;
}

export function descendants(node, name) {
  return Array.from(node.getElementsByTagNameNS("*", name));
}

function queryStatus(doc) {
  for (const info of descendants(doc, "INFO")) {
    if (info.getAttribute("name") === "QUERY_STATUS") {
      return { value: info.getAttribute("value"), text: info.textContent.trim() };
    }
  }
  return null;
}

async function checked(response) {
  const text = await response.text();
  if (response.ok) return text;
  let message = `${response.status} ${response.statusText}`;
  try {
    const status = queryStatus(parseXml(text));
    if (status && status.text) message = status.text;
  } catch {
    if (text.trim()) message = text.trim();
  }
  throw new ServiceError(message, response.status);
}

export async function getText(url, init) {
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new ServiceError(`the service did not answer (${error.message})`, 0);
  }
  return checked(response);
}

/** A VOTable (TABLEDATA) read into fields, rows (strings or null), status and descriptors. */
export function readVotable(text) {
  const doc = parseXml(text);
  const status = queryStatus(doc);
  if (status && status.value === "ERROR") throw new ServiceError(status.text, 200);
  const table = descendants(doc, "TABLE")[0];
  const fields = table
    ? children(table, "FIELD").map((f) => ({
        id: f.getAttribute("ID"),
        name: f.getAttribute("name"),
        datatype: f.getAttribute("datatype"),
        arraysize: f.getAttribute("arraysize"),
        unit: f.getAttribute("unit"),
        ucd: f.getAttribute("ucd"),
        utype: f.getAttribute("utype"),
        xtype: f.getAttribute("xtype"),
        description: child(f, "DESCRIPTION")?.textContent.trim() ?? "",
      }))
    : [];
  const rows = [];
  const data = table ? descendants(table, "TABLEDATA")[0] : null;
  if (data) {
    for (const tr of data.children) {
      const row = [];
      for (const td of tr.children) row.push(td.firstChild === null ? null : td.textContent);
      rows.push(row);
    }
  }
  const overflow = descendants(doc, "INFO").some(
    (i) => i.getAttribute("name") === "QUERY_STATUS" && i.getAttribute("value") === "OVERFLOW",
  );
  const services = descendants(doc, "RESOURCE")
    .filter((r) => r.getAttribute("utype") === "adhoc:service")
    .map((r) => {
      const params = {};
      for (const p of children(r, "PARAM")) params[p.getAttribute("name")] = p.getAttribute("value");
      const inputs = descendants(r, "GROUP")
        .filter((g) => g.getAttribute("name") === "inputParams")
        .flatMap((g) => children(g, "PARAM"))
        .map((p) => ({ name: p.getAttribute("name"), ref: p.getAttribute("ref"), value: p.getAttribute("value") }));
      return { id: r.getAttribute("ID"), standardID: params.standardID, accessURL: params.accessURL, inputs };
    });
  return { fields, rows, overflow, services };
}

export function queryParams(query, { maxrec, format = "votable/td" } = {}) {
  const params = new URLSearchParams({ LANG: "ADQL", QUERY: query, RESPONSEFORMAT: format });
  if (maxrec !== undefined && maxrec !== null && maxrec !== "") params.set("MAXREC", String(maxrec));
  return params;
}

/** A query through /tap/sync (POST, form-encoded). */
export async function syncQuery(query, options = {}) {
  const text = await getText(`${TAP}/sync`, { method: "POST", body: queryParams(query, options), signal: options.signal });
  return readVotable(text);
}

const FINAL = new Set(["COMPLETED", "ERROR", "ABORTED"]);

/** A query as a UWS job at /tap/async: created running, waited for, its result read. */
export async function asyncQuery(query, options = {}) {
  const body = queryParams(query, options);
  body.set("PHASE", "RUN");
  let response;
  try {
    response = await fetch(`${TAP}/async`, { method: "POST", body, signal: options.signal });
  } catch (error) {
    throw new ServiceError(`the service did not answer (${error.message})`, 0);
  }
  await checked(response);
  const job = response.url; // the 303 was followed: this is the job
  options.onJob?.(job);
  for (;;) {
    const doc = parseXml(await getText(`${job}?WAIT=10`, { signal: options.signal }));
    const phase = descendants(doc, "phase")[0]?.textContent.trim();
    if (FINAL.has(phase)) {
      if (phase === "COMPLETED") return readVotable(await getText(`${job}/results/result`, { signal: options.signal }));
      if (phase === "ABORTED") throw new ServiceError("the job was aborted", 0);
      const error = await fetch(`${job}/error`, { signal: options.signal });
      const text = await error.text();
      let message = descendants(doc, "message")[0]?.textContent.trim() || "the job failed";
      try {
        const status = queryStatus(parseXml(text));
        if (status?.text) message = status.text;
      } catch {
        /* the job's summary is the message */
      }
      throw new ServiceError(message, 400);
    }
  }
}

/** The output formats /tap/capabilities declares: [{mime, alias}]. */
export async function outputFormats() {
  const doc = parseXml(await getText(`${TAP}/capabilities`));
  return descendants(doc, "outputFormat").map((f) => ({
    mime: child(f, "mime")?.textContent.trim(),
    alias: child(f, "alias")?.textContent.trim() ?? null,
  }));
}

/** VOSI /tap/tables: [{name, description, tables: [{name, description, columns}]}]. */
export async function tableset() {
  const doc = parseXml(await getText(`${TAP}/tables`));
  const text = (node, name) => child(node, name)?.textContent.trim() ?? "";
  return descendants(doc, "schema").map((schema) => ({
    name: text(schema, "name"),
    description: text(schema, "description"),
    tables: children(schema, "table").map((table) => ({
      name: text(table, "name"),
      description: text(table, "description"),
      columns: children(table, "column").map((column) => {
        const type = child(column, "dataType");
        return {
          name: text(column, "name"),
          description: text(column, "description"),
          unit: text(column, "unit"),
          ucd: text(column, "ucd"),
          datatype: type ? type.textContent.trim() + (type.getAttribute("arraysize") ? `[${type.getAttribute("arraysize")}]` : "") : "",
        };
      }),
    })),
  }));
}

/** DALI /tap/examples (XHTML + RDFa): [{id, name, description, query}]. */
export async function examples() {
  const doc = parser().parseFromString(await getText(`${TAP}/examples`), "application/xhtml+xml");
  return Array.from(doc.querySelectorAll('[typeof="example"]')).map((node) => ({
    id: node.getAttribute("id"),
    name: node.querySelector('[property="name"]')?.textContent.trim() ?? node.getAttribute("id"),
    description: node.querySelector("p")?.textContent.trim() ?? "",
    query: node.querySelector('[property="query"]')?.textContent ?? "",
  }));
}

/** A DataLink links document: its rows as objects keyed by column name. */
export async function links(url) {
  const table = readVotable(await getText(url));
  return table.rows.map((row) => Object.fromEntries(table.fields.map((f, i) => [f.name, row[i]])));
}

/** The lightcurve CSV of DataLink (/datalink/lightcurve): columns as typed arrays. */
export async function lightcurveCsv(url) {
  const text = await getText(url);
  const lines = text.split("\n");
  const header = lines[0].trim().split(",");
  const index = (name) => header.indexOf(name);
  const [it, ifl, ie, iq] = ["time", "flux", "flux_err", "quality"].map(index);
  const n = lines.length - 1;
  const time = new Float64Array(n);
  const flux = new Float64Array(n);
  const error = new Float64Array(n);
  const quality = new Int32Array(n);
  let k = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    const cells = line.split(",");
    time[k] = cells[it] === "" ? NaN : +cells[it];
    flux[k] = cells[ifl] === "" ? NaN : +cells[ifl];
    error[k] = ie < 0 || cells[ie] === "" ? NaN : +cells[ie];
    quality[k] = iq < 0 || cells[iq] === "" ? 0 : +cells[iq];
    k++;
  }
  return { time: time.subarray(0, k), flux: flux.subarray(0, k), error: error.subarray(0, k), quality: quality.subarray(0, k) };
}

/** An ADQL string literal. */
export function literal(value) {
  return `'${String(value).replaceAll("'", "''")}'`;
}
