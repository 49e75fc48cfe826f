// The sky view: a target on the footprints of the frames covering it, drawn as SVG in a
// gnomonic (tangent-plane) projection centred on the target, east to the left as on the sky.

const SVG = "http://www.w3.org/2000/svg";
const RAD = Math.PI / 180;

/** STC-S POLYGON / CIRCLE (ICRS) -> [[ra, dec], ...] vertices; null for other shapes. */
export function parseRegion(text) {
  if (!text) return null;
  const words = text.trim().split(/\s+/);
  const shape = words[0].toUpperCase();
  const numbers = words.slice(1).filter((w) => !/^[A-Za-z]/.test(w)).map(Number);
  if (shape === "POLYGON" && numbers.length >= 6) {
    const points = [];
    for (let i = 0; i + 1 < numbers.length; i += 2) points.push([numbers[i], numbers[i + 1]]);
    return points;
  }
  if (shape === "CIRCLE" && numbers.length === 3) {
    const [ra, dec, r] = numbers;
    const points = [];
    for (let k = 0; k < 36; k++) {
      const a = (k / 36) * 2 * Math.PI;
      points.push([ra + (r * Math.cos(a)) / Math.max(Math.cos(dec * RAD), 1e-6), dec + r * Math.sin(a)]);
    }
    return points;
  }
  return null;
}

function project(ra0, dec0) {
  const [sd0, cd0] = [Math.sin(dec0 * RAD), Math.cos(dec0 * RAD)];
  return ([ra, dec]) => {
    const dra = (ra - ra0) * RAD;
    const [sd, cd] = [Math.sin(dec * RAD), Math.cos(dec * RAD)];
    const cosc = sd0 * sd + cd0 * cd * Math.cos(dra);
    if (cosc <= 0.05) return null; // too far from the centre for this projection
    const x = (cd * Math.sin(dra)) / cosc / RAD;
    const y = (cd0 * sd - sd0 * cd * Math.cos(dra)) / cosc / RAD;
    return [-x, y]; // east left
  };
}

function element(name, attributes, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

/**
 * Draws the target at (ra, dec) and `footprints` ([{region, label}]) into `container`; returns
 * the SVG element. Degrees on both axes are offsets from the target in the tangent plane.
 */
export function drawSky(container, { ra, dec, name, footprints }) {
  const proj = project(ra, dec);
  const shapes = footprints
    .map((f) => ({ ...f, points: (parseRegion(f.region) ?? []).map(proj).filter(Boolean) }))
    .filter((f) => f.points.length >= 3);
  let extent = 0.5;
  for (const f of shapes) for (const [x, y] of f.points) extent = Math.max(extent, Math.abs(x), Math.abs(y));
  extent *= 1.1;
  const size = 320;
  const scale = size / (2 * extent);
  const px = ([x, y]) => [size / 2 + x * scale, size / 2 - y * scale];
  const svg = element("svg", {
    viewBox: `0 0 ${size} ${size + 24}`,
    width: size,
    height: size + 24,
    role: "img",
    "aria-label": `${name} at RA ${ra.toFixed(4)}°, Dec ${dec.toFixed(4)}° on ${shapes.length} frame footprint(s)`,
    class: "sky",
  });
  svg.append(element("rect", { x: 0, y: 0, width: size, height: size, class: "sky-bg" }));
  shapes.forEach((f, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const points = f.points.map(px).map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
    const polygon = element("polygon", { points, fill: colour, "fill-opacity": 0.12, stroke: colour, "stroke-width": 1.5 });
    polygon.append(element("title", {}, f.label));
    svg.append(polygon);
    const [cx, cy] = px(f.points.reduce(([a, b], [x, y]) => [a + x / f.points.length, b + y / f.points.length], [0, 0]));
    svg.append(element("text", { x: cx, y: cy, class: "sky-label", fill: colour, "text-anchor": "middle" }, f.label));
  });
  const [tx, ty] = px([0, 0]);
  svg.append(element("circle", { cx: tx, cy: ty, r: 4, class: "sky-target" }));
  svg.append(element("text", { x: tx + 7, y: ty - 7, class: "sky-label" }, name));
  svg.append(
    element(
      "text",
      { x: 4, y: size + 16, class: "sky-axis" },
      `${(2 * extent).toFixed(1)}° across · N up, E left · centre RA ${ra.toFixed(3)}°, Dec ${dec.toFixed(3)}°`,
    ),
  );
  container.replaceChildren(svg);
  return svg;
}
