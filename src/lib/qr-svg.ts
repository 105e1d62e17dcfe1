// QR codes as inline SVG, for the otpauth URI an authenticator app scans when the user enrols: drawn here with the
// pure-JavaScript uqr encoder, so no secret ever goes to an outside QR service. (QR codes are ISO/IEC 18004, not an
// RFC; the section numbers below are that standard's, 2015 edition.)
import { encode } from "uqr";

/** ISO/IEC 18004 §6.3.8: the quiet zone, a light border around the symbol, is 4 modules wide. */
const QUIET_ZONE = 4;

/**
 * The symbol's modules, row by row, true for dark, without the quiet zone. Error correction level M (§7.5.1, 15%
 * of codewords recoverable), the usual choice for codes shown on a screen; the smallest version that holds the text.
 * Throws a RangeError if the text is too long for any version (about 2.3 KB of UTF-8 at level M).
 */
export function qrMatrix(text: string): boolean[][] {
  return encode(text, { ecc: "M", border: 0 }).data;
}

function escapeAttribute(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * An SVG image of the QR code for text: one unit per module, a light background covering the quiet zone (so the
 * code stays readable on a dark page), and one path of the dark modules, each row's runs drawn as rectangles. No
 * width or height: the page sizes it. The label is the image's accessible name (role="img"), escaped here.
 */
export function qrSvg(text: string, label = "QR code"): string {
  const modules = qrMatrix(text);
  const size = modules.length + 2 * QUIET_ZONE;
  let d = "";
  modules.forEach((row, y) => {
    let x = 0;
    while (x < row.length) {
      if (!row[x]) {
        x++;
        continue;
      }
      const start = x;
      while (row[x]) x++;
      d += `M${start + QUIET_ZONE} ${y + QUIET_ZONE}h${x - start}v1h-${x - start}z`;
    }
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" role="img"` +
    ` aria-label="${escapeAttribute(label)}" shape-rendering="crispEdges">` +
    `<rect width="${size}" height="${size}" fill="#fff"/>` +
    `<path fill="#000" d="${d}"/>` +
    `</svg>`
  );
}
