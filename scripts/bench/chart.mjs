// The benchmark's chart: per flow, whole-process CPU per operation minus each side's floor (ours vs
// oidc-provider), as a plain SVG bar chart (bench/results/latest.svg).
const escape = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;");

export function renderSvg(report) {
  const flows = report.flows.filter((f) => f.name !== "floor");
  const value = (side, f) =>
    Math.max(
      0,
      side === "ours"
        ? f.ours.cpuMsPerOp - report.floors.ours * f.requests
        : f.peer.cpuMsPerOp - report.floors.peer * f.requests,
    );
  const max = Math.max(0.001, ...flows.flatMap((f) => [value("ours", f), value("peer", f)]));
  const rowHeight = 34;
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
      return `<text x="${left - 8}" y="${y + 17}" font-size="12" text-anchor="end">${escape(f.name)}</text>${bar("ours", 2, "#f38020")}${bar("peer", 16, "#5b6b7c")}`;
    })
    .join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="12" y="22" font-size="14" font-weight="bold">CPU per operation minus the runtime's floor (lower is better), ${escape(report.machine.cores)} cores</text>
<rect x="${left}" y="30" width="12" height="10" fill="#f38020"/><text x="${left + 16}" y="39" font-size="11">edge-oidc (workerd)</text>
<rect x="${left + 150}" y="30" width="12" height="10" fill="#5b6b7c"/><text x="${left + 166}" y="39" font-size="11">oidc-provider (Node)</text>
${rows}
</svg>
`;
}
