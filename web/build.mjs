// Builds the page into the Python package: `web/build.sh` (npm ci, then this script).
//
// src/main.js and its imports (CodeMirror, uPlot) are bundled and minified by esbuild into
// ../tap_service/web/static/app.js; their CSS (6 kB) is put inline into index.html, copied
// from src/index.html with the sources' hash filled in, so that nothing but the page itself
// stands between the request and the first paint (the script is a deferred module). The hash (SHA-256 over every file of src/, package.json, package-lock.json
// and this script; see sourcesHash) is what tests/web/test_bundle.py recomputes in Python:
// a bundle older than its sources fails the test suite, without node.

import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "tap_service", "web", "static");

function files(directory) {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    return entry.isDirectory() ? files(path) : [path];
  });
}

/** sha256 of lines "<path relative to web/, with />\t<sha256 of the file>\n", sorted by path. */
export function sourcesHash() {
  const inputs = [...files(join(here, "src")), ...["package.json", "package-lock.json", "build.mjs"].map((f) => join(here, f))];
  const lines = inputs
    .map((path) => `${relative(here, path).split(sep).join("/")}\t${createHash("sha256").update(readFileSync(path)).digest("hex")}\n`)
    .sort();
  return createHash("sha256").update(lines.join("")).digest("hex");
}

const hash = sourcesHash();
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: join(here, "src", "main.js") },
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2020"],
  outdir: out,
  legalComments: "eof",
  banner: { js: `/* lcdb-tap web page, built from sources ${hash} by web/build.mjs */`, css: `/* sources ${hash} */` },
  logLevel: "info",
});
const css = readFileSync(join(out, "app.css"), "utf8").trim();
rmSync(join(out, "app.css"));
const page = readFileSync(join(here, "src", "index.html"), "utf8")
  .replaceAll("{{SOURCES_SHORT}}", hash.slice(0, 12))
  .replaceAll("{{SOURCES}}", hash)
  .replace("{{STYLE}}", () => css.replaceAll("</style", "<\\/style"));
writeFileSync(join(out, "index.html"), page);
console.log(`sources ${hash} -> ${relative(process.cwd(), out)}`);
