// The HTML shell for every page: the provider's branding (branding.ts), the page's language (i18n/), a <main>
// card, and the security headers every page carries. hono/html escapes every interpolated value, so reflected
// input is always escaped; the style sheet is built only from constants and validated #rrggbb colours.
//
// A page is `renderPage(c, { locale, title, body })` with its sentences from `messages(locale)`. Classes it can
// use: .lead (text under the heading), .alert (with role="alert"), .actions (a row of buttons, the first one
// primary), .link (a button that looks like a link), .muted, .code.
import type { Context } from "hono";
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { AppEnv } from "../env";
import { brandFrom, CARD, TEXT, type Brand } from "./branding";
import type { Locale } from "./i18n";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PageOptions {
  locale: Locale;
  /** The page's own title; the provider's name is appended. */
  title: string;
  body: Html;
  status?: 200 | 400 | 401 | 403 | 404 | 500 | 503;
  /** A nonce allowing one inline script (the form_post auto-submit, the passkey ceremonies). */
  scriptNonce?: string;
  /** A wider card, for the account page. */
  wide?: boolean;
}

export function renderPage(c: Context<AppEnv>, page: PageOptions): Response | Promise<Response> {
  const brand = brandFrom(c.env);
  const scriptSrc = page.scriptNonce ? `script-src 'nonce-${page.scriptNonce}'` : "script-src 'none'";
  // The logo may live on another origin (a CDN): that origin only, never any image source.
  const imgSrc = brand.logo && brand.logo.origin !== new URL(c.req.url).origin ? ` ${brand.logo.origin}` : "";
  c.header(
    "Content-Security-Policy",
    [
      "default-src 'none'",
      "style-src 'unsafe-inline'",
      `img-src 'self'${imgSrc}`,
      scriptSrc,
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join("; "),
  );
  c.header("X-Content-Type-Options", "nosniff");
  c.header("X-Frame-Options", "DENY");
  c.header("Referrer-Policy", "no-referrer");
  c.header("Cache-Control", "no-store");
  return c.html(
    html`<!doctype html>
<html lang="${page.locale}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${page.title} · ${brand.name}</title><style>${raw(styleSheet(brand))}</style></head>
<body>
<header class="brand">${brand.logo ? html`<img src="${brand.logo.href}" alt="" height="32">` : MARK}<span>${brand.name}</span></header>
<main${page.wide ? html` class="wide"` : ""}>
${page.body}
</main>
</body>
</html>`,
    page.status ?? 200,
  );
}

/** Beside the name when no logo is configured: drawn in the primary colours, inline (no image source needed). */
const MARK = html`<svg width="28" height="28" viewBox="0 0 28 28" aria-hidden="true" focusable="false"><rect width="28" height="28" rx="8" fill="var(--primary)"/><circle cx="14" cy="14" r="6.5" fill="none" stroke="var(--on-primary)" stroke-width="3"/></svg>`;

/** Every default colour pairing meets WCAG AA: body text and muted text on the card, the alert, the borders. */
function styleSheet(brand: Brand): string {
  return `:root{--primary:${brand.primary};--on-primary:${brand.onPrimary};--link:${brand.link};--focus:${brand.focus};\
--bg:${brand.background};--on-bg:${brand.onBackground};--card:${CARD};--text:${TEXT};--muted:#52606d;--line:#d9dee4}
*{box-sizing:border-box}
[hidden]{display:none!important}
html{-webkit-text-size-adjust:100%}
body{margin:0;min-height:100vh;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;display:flex;flex-direction:column;align-items:center;padding:clamp(2rem,9vh,5rem) 1rem 2rem}
.brand{display:flex;align-items:center;gap:.6rem;margin-bottom:1.5rem;color:var(--on-bg);font-weight:650;font-size:1.15rem;letter-spacing:-.01em}
.brand img{height:2rem;width:auto;max-width:10rem}
main{width:100%;max-width:27rem;background:var(--card);border-radius:14px;padding:2.25rem 2rem 2rem;box-shadow:0 1px 2px rgba(16,24,40,.06),0 12px 32px rgba(16,24,40,.1)}
h1{font-size:1.5rem;line-height:1.3;margin:0 0 .75rem;letter-spacing:-.015em}
h1:focus{outline:none}
p{margin:0 0 1rem}
main>:last-child{margin-bottom:0}
.lead{color:var(--muted);margin:-.4rem 0 1.5rem}
label{display:block;font-weight:600;font-size:.95rem;margin:1rem 0 .35rem}
input{display:block;width:100%;font:inherit;color:var(--text);background:var(--card);padding:.65rem .8rem;border:1px solid #7b8794;border-radius:8px}
input[aria-invalid=true]{border-color:#b42318}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.75rem}
.actions button{flex:1 1 8rem}
button{font:inherit;font-weight:600;padding:.7rem 1.2rem;border-radius:8px;border:1px solid transparent;cursor:pointer}
.actions button,noscript button{background:var(--card);color:var(--text);border-color:#7b8794}
.actions button:hover{background:#f5f7fa}
.actions button:first-child,noscript button{background:var(--primary);color:var(--on-primary);border-color:var(--primary)}
.actions button:first-child:hover{filter:brightness(.93)}
.link{background:none;border:0;padding:0;color:var(--link);font-weight:600;text-decoration:underline;text-underline-offset:.2em}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.alert{background:#fef3f2;border:1px solid #f4b8b1;color:#912018;padding:.75rem 1rem;border-radius:8px;margin:0 0 1.25rem}
.account{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem .75rem;background:#f5f7fa;border-radius:8px;padding:.7rem 1rem;margin:1.25rem 0}
.account form{margin:0 0 0 auto}
.scopes{list-style:none;margin:0 0 1rem;padding:0;border:1px solid var(--line);border-radius:10px}
.scopes li{display:flex;justify-content:space-between;align-items:baseline;gap:1rem;padding:.8rem 1rem;border-top:1px solid var(--line)}
.scopes li:first-child{border-top:0}
.scopes code{color:var(--muted);font-size:.8rem;white-space:nowrap}
.muted{color:var(--muted);font-size:.875rem;margin-top:1rem}
.passkey{display:block;width:100%;margin-top:1.25rem;background:var(--card);color:var(--text);border-color:#7b8794}
.passkey:hover{background:#f5f7fa}
.passkey.primary{background:var(--primary);color:var(--on-primary);border-color:var(--primary)}
.passkey.primary:hover{filter:brightness(.93)}
.or{display:flex;align-items:center;gap:.75rem;color:var(--muted);font-size:.875rem;margin:1.5rem 0 0}
.or::before,.or::after{content:"";flex:1;border-top:1px solid var(--line)}
details{margin-top:1.25rem}
summary{cursor:pointer;color:var(--link);font-weight:600}
.notice{background:#ecfdf3;border:1px solid #a6e3bf;color:#05603a;padding:.75rem 1rem;border-radius:8px;margin:0 0 1.25rem}
main.wide{max-width:42rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
h2{font-size:1.1rem;margin:2rem 0 .5rem}
.items{list-style:none;margin:0 0 1rem;padding:0;border:1px solid var(--line);border-radius:10px}
.items li{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.5rem 1rem;padding:.8rem 1rem;border-top:1px solid var(--line)}
.items li:first-child{border-top:0}
.items form{display:flex;gap:.5rem;margin:0;align-items:center}
.items input{width:auto;padding:.35rem .5rem}
.items button,.inline button{padding:.4rem .8rem;background:var(--card);color:var(--text);border-color:#7b8794}
.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
#passkey-error{margin-top:1rem}
.qr svg{display:block;width:13rem;height:13rem;margin:1rem 0}
.secret{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;letter-spacing:.08em;overflow-wrap:anywhere}
.codes{columns:2;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;padding-left:2.5rem}
.code{color:var(--muted);font-size:.875rem;margin:1.5rem 0 0;padding-top:1rem;border-top:1px solid var(--line);overflow-wrap:anywhere}
@media (max-width:480px){body{padding:1.75rem .75rem 1rem}.brand{margin-bottom:1rem}main{padding:1.75rem 1.25rem 1.5rem;border-radius:12px}h1{font-size:1.35rem}}`;
}
