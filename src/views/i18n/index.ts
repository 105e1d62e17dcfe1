// The pages' languages: which one a request gets (OIDC Core §3.1.2.1 ui_locales, else Accept-Language, else
// English), and its message catalogue. A new page calls `pageLocale(c, req.ui_locales)` and `messages(locale)`.
import type { Context } from "hono";
import { config, type Locale } from "../../config";
import type { AppEnv } from "../../env";
import { de } from "./de";
import { en } from "./en";
import { fr } from "./fr";
import type { Messages } from "./messages";

export type { Messages } from "./messages";
export type { Locale } from "../../config";

const catalogues: Readonly<Record<Locale, Messages>> = { en, de, fr };

export function messages(locale: Locale): Messages {
  return catalogues[locale];
}

/** The supported language of a BCP 47 tag, matched on its primary subtag ("de-CH" is German). */
function supported(tag: string): Locale | undefined {
  const primary = tag.trim().toLowerCase().split("-")[0];
  return config.locales.find((locale) => locale === primary);
}

/**
 * OIDC Core §3.1.2.1: ui_locales is "a space-separated list of BCP47 language tag values, ordered by preference";
 * an unsupported one "SHOULD NOT result in an error". Then RFC 9110 §12.5.4 Accept-Language by quality.
 */
export function chooseLocale(uiLocales: string | undefined, acceptLanguage: string | undefined): Locale {
  for (const tag of (uiLocales ?? "").split(" ")) {
    const locale = supported(tag);
    if (locale) return locale;
  }
  return fromAcceptLanguage(acceptLanguage ?? "") ?? config.locales[0];
}

function fromAcceptLanguage(header: string): Locale | undefined {
  const ranked = header
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.split(";");
      const q = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/i.exec(p)?.[1]).find((value) => value !== undefined);
      return { tag, q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.q > 0)
    // Highest quality first; equal qualities keep the header's order.
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    const locale = supported(tag);
    if (locale) return locale;
  }
  return undefined;
}

/** The language of a page answering this request, given the authorization request's ui_locales if known. */
export function pageLocale(c: Context<AppEnv>, uiLocales: string | undefined): Locale {
  return chooseLocale(uiLocales, c.req.header("accept-language"));
}
