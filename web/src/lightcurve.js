// A lightcurve plot with uPlot: flux against BTJD, flagged cadences (quality != 0) marked,
// zoom by dragging (double-click or "Reset" to undo) or by typing a time range. The flux axis
// spans the 0.1-99.9 percentiles of the unflagged cadences in view (a few outliers at a
// sector's edges would flatten the rest), or everything when clipping is turned off.

import uPlot from "uplot";

/**
 * Plots `curve` ({time, flux, quality}: typed arrays) into `container`; `onDrawn` is called
 * after the first draw (the page's performance mark). Returns {plot, zoom(from, to), reset()}.
 */
/** The index of the first element of sorted `x` not below `value`. */
function lowerBound(x, value) {
  let [lo, hi] = [0, x.length];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** [low, high] of the values of `good` (nulls skipped) whose x lies in [from, to]. */
export function robustRange(x, good, from, to, fraction = 0.001) {
  const start = lowerBound(x, from);
  const stop = lowerBound(x, to + Number.EPSILON * Math.abs(to));
  const values = [];
  for (let i = start; i < Math.min(stop + 1, x.length); i++) if (good[i] !== null && x[i] <= to) values.push(good[i]);
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
  return [at(fraction), at(1 - fraction)];
}

function padded([low, high]) {
  const span = high - low || Math.abs(high) || 1;
  return [low - 0.08 * span, high + 0.08 * span];
}

export function plotLightcurve(container, curve, { unit, showFlagged = true, clip = true, onDrawn }) {
  const order = [];
  for (let i = 0; i < curve.time.length; i++) if (Number.isFinite(curve.time[i])) order.push(i);
  order.sort((a, b) => curve.time[a] - curve.time[b]);
  const n = order.length;
  const x = new Float64Array(n);
  const good = new Array(n);
  const flagged = new Array(n);
  let flags = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    x[k] = curve.time[i];
    const f = Number.isFinite(curve.flux[i]) ? curve.flux[i] : null;
    if (curve.quality[i] !== 0) {
      flagged[k] = f;
      good[k] = null;
      if (f !== null) flags++;
    } else {
      good[k] = f;
      flagged[k] = null;
    }
  }
  const width = Math.max(320, container.clientWidth || 720);
  let drawn = false;
  let clipping = clip;
  const options = {
    width,
    height: 320,
    scales: {
      x: { time: false },
      y: {
        range: (u, min, max) => {
          const all = padded([min ?? 0, max ?? 1]);
          if (!clipping || n === 0) return all;
          const from = u.scales.x.min ?? x[0]; // unset before the first draw
          const to = u.scales.x.max ?? x[n - 1];
          const robust = robustRange(x, good, from, to);
          return robust ? padded(robust) : all;
        },
      },
    },
    cursor: { drag: { x: true, y: false, setScale: true } },
    axes: [
      { label: "BTJD (d)", stroke: "#333" },
      { label: unit ? `flux (${unit})` : "flux", stroke: "#333", size: 70 },
    ],
    series: [
      { label: "BTJD", value: (u, v) => (v == null ? "–" : v.toFixed(5)) },
      {
        label: "flux",
        stroke: "#1f5fa8",
        paths: uPlot.paths.points(),
        points: { show: true, size: 2, space: 0, fill: "#1f5fa8", stroke: "#1f5fa8" },
        value: (u, v) => (v == null ? "–" : v.toPrecision(7)),
      },
      {
        label: `flagged (${flags})`,
        show: showFlagged,
        stroke: "#c0392b",
        paths: uPlot.paths.points(),
        points: { show: true, size: 3.5, space: 0, fill: "#c0392b", stroke: "#c0392b" },
        value: (u, v) => (v == null ? "–" : v.toPrecision(7)),
      },
    ],
    hooks: {
      draw: [
        (u) => {
          // the ranges in view, for people's tools (and the tests) to read
          container.dataset.xRange = `${u.scales.x.min} ${u.scales.x.max}`;
          container.dataset.yRange = `${u.scales.y.min} ${u.scales.y.max}`;
          if (!drawn) {
            drawn = true;
            onDrawn?.();
          }
        },
      ],
    },
  };
  container.replaceChildren();
  const plot = new uPlot(options, [x, good, flagged], container);
  const full = n ? [x[0], x[n - 1]] : [0, 1];
  return {
    plot,
    cadences: n,
    flagged: flags,
    range: full,
    zoom(from, to) {
      plot.setScale("x", { min: Math.min(from, to), max: Math.max(from, to) });
    },
    reset() {
      plot.setScale("x", { min: full[0], max: full[1] });
    },
    showFlagged(on) {
      plot.setSeries(2, { show: on });
    },
    clip(on) {
      clipping = on;
      plot.setScale("x", { min: plot.scales.x.min, max: plot.scales.x.max });
    },
    destroy() {
      plot.destroy();
    },
  };
}
