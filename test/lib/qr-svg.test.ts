// src/lib/qr-svg.ts inside workerd: uqr runs here, the matrix is a QR symbol of the expected version and error
// correction level (ISO/IEC 18004: sizes §6.3.2, finder patterns §6.3.3, timing §6.3.5, format information §7.9),
// and the SVG is well-formed and draws exactly the dark modules inside a 4-module quiet zone. No decoder is at hand,
// so what is checked is that the picture is the matrix, and that the matrix has the structure a reader needs.
import { describe, expect, it } from "vitest";
import { qrMatrix, qrSvg } from "../../src/lib/qr-svg";

const URI =
  "otpauth://totp/Example%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" +
  "&issuer=Example%20Co&algorithm=SHA1&digits=6&period=30";

/** The 15 format bits (ISO/IEC 18004 §7.9.1), read from the copy around the top-left finder pattern. */
function formatBits(m: boolean[][], copy: 1 | 2): number {
  const size = m.length;
  const at = (x: number, y: number) => (m[y]?.[x] ? 1 : 0);
  let bits = 0;
  for (let i = 0; i < 15; i++) {
    let bit: number;
    if (copy === 1) {
      if (i <= 5) bit = at(8, i);
      else if (i === 6) bit = at(8, 7);
      else if (i === 7) bit = at(8, 8);
      else if (i === 8) bit = at(7, 8);
      else bit = at(14 - i, 8);
    } else {
      bit = i < 8 ? at(size - 1 - i, 8) : at(8, size - 15 + i);
    }
    bits |= bit << i;
  }
  return bits;
}

/** Error correction level and mask from the format bits, after checking their BCH(15,5) code (§7.9.1). */
function readFormat(m: boolean[][]): { level: "L" | "M" | "Q" | "H"; mask: number } {
  const bits = formatBits(m, 1);
  expect(formatBits(m, 2)).toBe(bits);
  const data = (bits ^ 0x5412) >>> 10;
  let rem = data;
  for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
  expect(((data << 10) | rem) ^ 0x5412).toBe(bits);
  const level = (["M", "L", "H", "Q"] as const)[data >>> 3];
  if (!level) throw new Error("no level");
  return { level, mask: data & 7 };
}

function expectFinderPattern(m: boolean[][], left: number, top: number): void {
  for (let dy = 0; dy < 7; dy++) {
    for (let dx = 0; dx < 7; dx++) {
      const ring = Math.max(Math.abs(dx - 3), Math.abs(dy - 3));
      expect(m[top + dy]?.[left + dx], `finder module ${left + dx},${top + dy}`).toBe(ring !== 2);
    }
  }
}

/** Well-formedness for the little XML we emit: balanced tags, quoted attributes, only character references. */
function expectWellFormedXml(xml: string): void {
  const stack: string[] = [];
  let rest = xml;
  while (rest.length > 0) {
    const tag = /^<(\/?)([a-z]+)((?:\s+[A-Za-z-]+="(?:[^"<&]|&#[0-9]+;)*")*)\s*(\/?)>/.exec(rest);
    if (!tag) throw new Error(`not well-formed at: ${rest.slice(0, 40)}`);
    const [whole, closing, name = "", , selfClosing] = tag;
    if (closing) expect(stack.pop()).toBe(name);
    else if (!selfClosing) stack.push(name);
    rest = rest.slice(whole.length);
    if (stack.length === 0) expect(rest).toBe("");
  }
  expect(stack).toEqual([]);
}

/** The dark cells the path draws, as a grid of the viewBox's size; a cell drawn twice fails. */
function rasterize(d: string, size: number): boolean[][] {
  const grid = Array.from({ length: size }, () => Array.from({ length: size }, () => false));
  const run = /M(\d+) (\d+)h(\d+)v1h-(\d+)z/y;
  while (run.lastIndex < d.length) {
    const start = run.lastIndex;
    const match = run.exec(d);
    if (!match) throw new Error(`unexpected path data at ${start}: ${d.slice(start, start + 20)}`);
    const [x, y, width, back] = match.slice(1).map(Number) as [number, number, number, number];
    expect(back).toBe(width);
    for (let i = 0; i < width; i++) {
      const row = grid[y];
      if (!row || x + i >= size) throw new Error(`module ${x + i},${y} outside the picture`);
      expect(row[x + i], `module ${x + i},${y} drawn twice`).toBe(false);
      row[x + i] = true;
    }
  }
  return grid;
}

describe("qrMatrix (uqr in workerd)", () => {
  it("picks the smallest version for the text at level M", () => {
    // Version v is 17 + 4v modules wide (§6.3.2). Level M holds 20 alphanumeric characters in version 1; in byte
    // mode, 122 bytes in version 7 and 152 in version 8 (§7.4.10, Table 7), so the 141-byte URI needs version 8.
    expect(qrMatrix("HELLO WORLD").length).toBe(21);
    expect(URI.length).toBe(141);
    const m = qrMatrix(URI);
    expect(m.length).toBe(49);
    for (const row of m) expect(row.length).toBe(49);
  });

  it("has the finder and timing patterns and says it is level M", () => {
    const m = qrMatrix(URI);
    const size = m.length;
    expectFinderPattern(m, 0, 0);
    expectFinderPattern(m, size - 7, 0);
    expectFinderPattern(m, 0, size - 7);
    for (let i = 8; i < size - 8; i++) {
      expect(m[6]?.[i]).toBe(i % 2 === 0);
      expect(m[i]?.[6]).toBe(i % 2 === 0);
    }
    expect(readFormat(m).level).toBe("M");
  });

  it("is deterministic", () => {
    expect(qrMatrix(URI)).toEqual(qrMatrix(URI));
    expect(qrMatrix(URI)).not.toEqual(qrMatrix(URI.replace("alice", "alicf")));
  });

  it("throws for a text too long for any version", () => {
    expect(() => qrMatrix("x".repeat(3000))).toThrow(RangeError);
  });
});

describe("qrSvg", () => {
  it("is a well-formed SVG with a viewBox, role img, a label and crisp edges", () => {
    const svg = qrSvg(URI, "Scan with your authenticator app");
    expectWellFormedXml(svg);
    expect(svg).toMatch(
      /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 57 57" role="img" aria-label="Scan with your authenticator app" shape-rendering="crispEdges">/,
    );
    expect(svg.match(/<path /g)).toHaveLength(1);
    expect(svg).toContain('<rect width="57" height="57" fill="#fff"/>');
  });

  it("draws exactly the dark modules, inside a quiet zone of 4 modules", () => {
    for (const text of [URI, "HELLO WORLD", ""]) {
      const svg = qrSvg(text);
      const m = qrMatrix(text);
      const size = m.length + 8;
      expect(svg).toContain(`viewBox="0 0 ${size} ${size}"`);
      const d = /<path fill="#000" d="([^"]*)"\/>/.exec(svg)?.[1];
      if (d === undefined) throw new Error("no path");
      const drawn = rasterize(d, size);
      const expected = Array.from({ length: size }, (_, y) =>
        Array.from({ length: size }, (_, x) => m[y - 4]?.[x - 4] ?? false),
      );
      expect(drawn).toEqual(expected);
      // The quiet zone is light: no dark module in the outer 4 rows and columns.
      for (let i = 0; i < size; i++) {
        for (const j of [0, 1, 2, 3, size - 4, size - 3, size - 2, size - 1]) {
          expect(drawn[i]?.[j]).toBe(false);
          expect(drawn[j]?.[i]).toBe(false);
        }
      }
    }
  });

  it("escapes the label", () => {
    const svg = qrSvg("x", `"><script>alert('x')</script>&`);
    expectWellFormedXml(svg);
    expect(svg).not.toContain("<script");
    expect(svg).toContain('aria-label="&#34;&#62;&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;&#38;"');
  });

  it("has a default label", () => {
    expect(qrSvg("x")).toContain('aria-label="QR code"');
  });
});
