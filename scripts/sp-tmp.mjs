import chromiumPkg from "@sparticuz/chromium";
import { chromium } from "playwright-core";
const path = await chromiumPkg.executablePath();
const base = ["--headless","--no-sandbox","--disable-gpu","--disable-quic","--no-first-run","--disable-background-networking","--disable-component-update","--disable-sync"];
for (const extra of [[], ["--use-gl=angle","--use-angle=swiftshader","--enable-unsafe-swiftshader","--in-process-gpu"], ["--headless=shell"]]) {
  const b = await chromium.launch({ executablePath: path, args: [...base, ...extra] });
  const p = await (await b.newContext()).newPage(); p.setDefaultTimeout(8000);
  await p.setContent("<input name=u><button onclick=\"document.title='clicked'\">go</button>");
  try { await p.locator("input").fill("x"); await p.locator("button").click(); console.log(extra.join(" ") || "base", "->", await p.title()); } catch (e) { console.log(extra.join(" ") || "base", "FAIL", e.message.split("\n")[0]); }
  await b.close();
}
