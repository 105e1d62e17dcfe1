// The benchmark's chart: per flow, whole-process CPU per operation minus each side's floor (ours and each
// oidc-provider peer), as a plain SVG bar chart (bench/results/latest.svg).
const escape = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;");

export function renderSvg(report) {
  const flows = report.flows.filter((f) => f.floors.length > 0);
  const sides = ["ours", ...report.peers];
  const colours = ["#f38020", "#5b6b7c", "#a33b3b"];
  const floor = (side, f) => f.floors.reduce((sum, name) => sum + report.floors[name][side], 0);
  const value = (side, f) => Math.max(0, f.sides[side].cpuMsPerOp - floor(side, f));
  const max = Math.max(0.001, ...flows.flatMap((f) => sides.map((side) => value(side, f))));
  const rowHeight = 14 * sides.length + 6;
  const left = 190;
  const width = 760;
  const barWidth = width - left - 90;
  const height = 70 + flows.length * rowHeight;
  const rows = flows
    .map((f, i) => {
      const y = 50 + i * rowHeight;
      const bar = (side, dy, colour) => {
        const v = value(side, f);
        const w = (v / max) * barWidth;
        return `<rect x="${left}" y="${y + dy}" width="${w.toFixed(1)}" height="12" fill="${colour}"/><text x="${(left + w + 4).toFixed(1)}" y="${y + dy + 10}" font-size="10">${v.toFixed(3)} ms</text>`;
      };
      const bars = sides.map((side, k) => bar(side, 2 + 14 * k, colours[k])).join("");
      return `<text x="${left - 8}" y="${y + 17}" font-size="12" text-anchor="end">${escape(f.name)}</text>${bars}`;
    })
    .join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="12" y="22" font-size="14" font-weight="bold">CPU per operation minus the runtime's floor (lower is better), ${escape(report.machine.cores)} cores</text>
${sides
  .map(
    (side, k) =>
      `<rect x="${left + 170 * k}" y="30" width="12" height="10" fill="${colours[k]}"/><text x="${left + 170 * k + 16}" y="39" font-size="11">${escape(side === "ours" ? "edge-oidc (workerd)" : side)}</text>`,
  )
  .join("\n")}
${rows}
</svg>
`;
}
