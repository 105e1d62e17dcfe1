// Short names for the browser and system a User-Agent names ("Chrome · Linux"): enough for a person to recognise
// their own devices on the account page, and to name a new passkey, nothing more.
const BROWSERS: [RegExp, string][] = [
  [/Edg\//, "Edge"],
  [/OPR\//, "Opera"],
  [/Firefox\//, "Firefox"],
  [/Chrome\/|HeadlessChrome\/|Chromium\//, "Chrome"],
  [/Safari\//, "Safari"],
];
const SYSTEMS: [RegExp, string][] = [
  [/Android/, "Android"],
  [/iPhone|iPad|iOS/, "iOS"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/Windows/, "Windows"],
  [/CrOS/, "ChromeOS"],
  [/Linux/, "Linux"],
];

/** The operating system, or undefined when the User-Agent names none we know. */
export function systemName(userAgent: string | undefined): string | undefined {
  return userAgent === undefined ? undefined : SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
}

export function deviceName(userAgent: string | undefined): string {
  if (!userAgent) return "—";
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = systemName(userAgent);
  if (browser && system) return `${browser} · ${system}`;
  return browser ?? system ?? userAgent.slice(0, 40);
}
