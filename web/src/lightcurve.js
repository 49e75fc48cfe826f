// A lightcurve plot with uPlot: flux against BTJD, flagged cadences (quality != 0) marked,
// zoom by dragging (double-click or "Reset" to undo) or by typing a time range.

import uPlot from "uplot";

/**
 * Plots `curve` ({time, flux, quality}: typed arrays) into `container`; `onDrawn` is called
 * after the first draw (the page's performance mark). Returns {plot, zoom(from, to), reset()}.
 */
export function plotLightcurve(container, curve, { unit, showFlagged = true, onDrawn }) {
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
  const options = {
    width,
    height: 320,
    scales: { x: { time: false } },
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
        points: { show: true, size: 5, space: 0, fill: "#c0392b", stroke: "#c0392b" },
        value: (u, v) => (v == null ? "–" : v.toPrecision(7)),
      },
    ],
    hooks: {
      draw: [
        () => {
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
    destroy() {
      plot.destroy();
    },
  };
}
