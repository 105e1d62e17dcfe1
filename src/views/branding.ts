// The pages' branding, read from Worker vars on every request (so changing one needs no rebuild): the provider's
// name, a logo and two colours. Each var is validated on its own and a bad one falls back to the default: colours
// must be #rrggbb (nothing else can reach the style sheet), the logo an https URL (http only on loopback).
// Text colours are derived so that every pairing meets WCAG 2.2 AA contrast (1.4.3: 4.5:1 for text; 1.4.11: 3:1
// for focus outlines and other non-text parts).
import * as v from "valibot";
import type { Env } from "../env";
import { isLoopback } from "../lib/urls";

export interface Brand {
  name: string;
  /** Absent when none is configured (or the configured one is refused). */
  logo: URL | undefined;
  /** Primary buttons' background, and the text colour on it. */
  primary: string;
  onPrimary: string;
  /** Links and link-styled buttons on the white card: the primary colour if it is readable there. */
  link: string;
  /** Focus outlines on the white card. */
  focus: string;
  /** The page background, and the text colour on it (the provider's name). */
  background: string;
  onBackground: string;
}

const DEFAULTS = { name: "edge-oidc", primary: "#2457c5", background: "#eef1f5" };
/** The card's background and its body text colour (layout.ts). */
export const CARD = "#ffffff";
export const TEXT = "#1f2933";
const BLACK = "#000000";
const WHITE = "#ffffff";

const Color = v.pipe(v.string(), v.trim(), v.regex(/^#[0-9a-fA-F]{6}$/), v.toLowerCase());
const Name = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(80));
const LogoUrl = v.pipe(
  v.string(),
  v.trim(),
  v.maxLength(2048),
  v.transform(parseUrl),
  v.check(
    (url) => url !== null && (url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url))),
    "must be an https URL (http only on loopback)",
  ),
  v.transform((url) => url ?? undefined),
);

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** Warned about once per isolate and var, not on every page. */
const warned = new Set<string>();

function read<T>(env: Env, name: keyof Env, schema: v.GenericSchema<string, T>): T | undefined {
  const value = env[name];
  if (value === undefined || value === "") return undefined;
  const parsed = v.safeParse(schema, value);
  if (parsed.success) return parsed.output;
  if (!warned.has(name)) {
    warned.add(name);
    console.warn(`${name} ignored: ${parsed.issues[0].message}`);
  }
  return undefined;
}

export function brandFrom(env: Env): Brand {
  const primary = read(env, "BRAND_PRIMARY_COLOR", Color) ?? DEFAULTS.primary;
  const background = read(env, "BRAND_BACKGROUND_COLOR", Color) ?? DEFAULTS.background;
  return {
    name: read(env, "BRAND_NAME", Name) ?? DEFAULTS.name,
    logo: read(env, "BRAND_LOGO_URL", LogoUrl),
    primary,
    onPrimary: textOn(primary),
    link: contrastRatio(primary, CARD) >= 4.5 ? primary : TEXT,
    focus: contrastRatio(primary, CARD) >= 3 ? primary : TEXT,
    background,
    onBackground: contrastRatio(TEXT, background) >= 4.5 ? TEXT : textOn(background),
  };
}

/** White text on a background if it reaches 4.5:1 there, else whichever of black and white contrasts more. */
export function textOn(background: string): string {
  if (contrastRatio(WHITE, background) >= 4.5) return WHITE;
  return contrastRatio(BLACK, background) > contrastRatio(WHITE, background) ? BLACK : WHITE;
}

/** WCAG 2.2 contrast ratio of two #rrggbb colours: (L1 + 0.05) / (L2 + 0.05), the lighter one on top. */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** WCAG 2.2 relative luminance of an sRGB #rrggbb colour. */
export function relativeLuminance(hex: string): number {
  const channel = (offset: number) => {
    const c = parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}
