// The booking page in headless Chromium (issue 11): its weight (HTML + CSS + JS,
// gzip-compressed as a server or proxy would send them) and the time from
// navigation to the first times on screen. Usage: node benches/pages.mjs URL [RUNS]
// (run by benches/pages.sh against a fresh demo).
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";

const require = createRequire(new URL("../tests/browser/package.json", import.meta.url));
const { chromium } = require("playwright-core");
const [url, runsText] = process.argv.slice(2);
const runs = Number(runsText || 20);

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const times = [];
let weight = null;
for (let i = 0; i < runs; i++) {
  // A new context each run (its own empty profile): nothing cached, as a first visit.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const bodies = [];
  page.on("response", async (response) => {
    const type = response.headers()["content-type"] || "";
    if (/text\/html|text\/css|javascript/.test(type)) {
      try { bodies.push({ url: response.url(), type, bytes: await response.body() }); } catch {}
    }
  });
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForSelector(".times a[data-start]", { state: "visible" });
  const shown = await page.evaluate(() => performance.now());
  times.push(shown);
  await page.waitForLoadState("load");
  if (weight === null) {
    weight = bodies.map((b) => ({ url: b.url.replace(/\?.*$/, ""), raw: b.bytes.length, gzip: gzipSync(b.bytes).length }));
  }
  await context.close();
}
await browser.close();
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const total = weight.reduce((sum, w) => sum + w.gzip, 0);
for (const w of weight) console.log(`${w.url}: ${w.raw} bytes, ${w.gzip} gzip`);
console.log(`page weight (HTML + CSS + JS, gzip): ${(total / 1024).toFixed(1)} KB`);
console.log(`first times shown: median ${median.toFixed(0)} ms, min ${times[0].toFixed(0)} ms over ${runs} first visits`);
