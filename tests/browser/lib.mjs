// What every scenario shares: Debian's Chromium launched by playwright-core
// (no browser download), a fresh profile per browser, the widget's DOM seen
// through its shadow root, axe-core, and screenshots.

import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export const env = {
  kairos: process.env.KAIROS_URL,
  host: process.env.HOST_URL,
  standin: process.env.STANDIN_URL,
  key: process.env.KAIROS_KEY,
  screenshots: process.env.SCREENSHOT_DIR,
  chromium: process.env.CHROMIUM || "/usr/bin/chromium",
  pollUrl: process.env.POLL_URL,
  pollJoinUrl: process.env.POLL_JOIN_URL,
  mailDir: process.env.MAIL_DIR,
};

/**
 * The first link starting with `prefix` in an email to `to` written since
 * `since` (ms), waiting for the server's queue to send it. Quoted-printable
 * soft breaks and `=3D` are undone; a base64 part is decoded.
 */
export async function mailedLink(to, prefix, since, { containing = "", timeoutMs = 15000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  const decode = (raw) => {
    let text = raw.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
    for (const block of raw.matchAll(/Content-Transfer-Encoding: base64\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)/g)) {
      text += Buffer.from(block[1].replace(/\s/g, ""), "base64").toString("utf8");
    }
    return text;
  };
  while (Date.now() < deadline) {
    const files = fs.existsSync(env.mailDir) ? fs.readdirSync(env.mailDir) : [];
    for (const name of files.filter((f) => f.endsWith(".eml"))) {
      const file = path.join(env.mailDir, name);
      if (fs.statSync(file).mtimeMs < since) continue;
      const text = decode(fs.readFileSync(file, "utf8"));
      if (!text.includes(to)) continue;
      for (let at = text.indexOf(prefix); at >= 0; at = text.indexOf(prefix, at + 1)) {
        const link = text.slice(at).split(/[\s"<>]/)[0];
        if (link.includes(containing)) return link;
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no email to ${to} with a link to ${prefix} in ${env.mailDir}`);
}

export const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Every page error and console error seen, printed when a scenario fails. */
export const seen = [];

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };

/** A browser with its own fresh profile (--user-data-dir), like a new visitor. */
export async function browser({ viewport = DESKTOP, timezoneId = "America/New_York", mobile = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kairos-chromium-"));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: env.chromium,
    headless: true,
    args: ARGS,
    viewport,
    deviceScaleFactor: mobile ? 2 : 1,
    isMobile: mobile,
    hasTouch: mobile,
    timezoneId,
    locale: "en-US",
  });
  context.setDefaultTimeout(20_000);
  const errors = [];
  errors.push = (...items) => {
    seen.push(...items);
    return Array.prototype.push.apply(errors, items);
  };
  const watch = (page) => {
    page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error" && !/favicon|Failed to load resource/.test(message.text())) {
        errors.push(`${page.url()}: console: ${message.text()}`);
      }
    });
  };
  context.on("page", watch);
  const page = context.pages()[0] || (await context.newPage());
  watch(page);
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** The events the host page heard (window.kairosEvents). */
export async function events(page, type) {
  const all = await page.evaluate(() => window.kairosEvents || []);
  return type ? all.filter((e) => e.type === type) : all;
}

export async function waitForEvent(page, type, predicate = "true") {
  await page.waitForFunction(
    ([t, p]) => (window.kairosEvents || []).some((e) => e.type === t && new Function("e", `return ${p}`)(e)),
    [type, predicate],
  );
  return (await events(page, type)).filter((e) => e.type === type);
}

/** The focused element, through shadow roots. */
export async function focused(page) {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return null;
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      name: el.getAttribute("name"),
      type: el.getAttribute("type"),
      classes: el.className && typeof el.className === "string" ? el.className.split(/\s+/) : [],
      date: el.getAttribute("data-date"),
      start: el.getAttribute("data-start"),
      text: (el.textContent || "").trim().slice(0, 80),
      value: el.value,
    };
  });
}

/** Presses Tab until the focused element satisfies `test` (keyboard only). */
export async function tabTo(page, test, what, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const now = await focused(page);
    if (now && test(now)) return now;
  }
  throw new Error(`Tab never reached ${what}`);
}

/** axe-core over the page (shadow roots included); fails on serious or critical. */
export async function axe(page, label) {
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const result = await page.evaluate(async () =>
    window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length) {
    const text = bad
      .map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.slice(0, 5).map((n) => `    ${n.target.join(" ")}: ${n.failureSummary}`).join("\n")}`)
      .join("\n  ");
    throw new Error(`axe on ${label}: ${bad.length} serious/critical violation(s):\n  ${text}`);
  }
  return { label, checked: result.passes ? result.passes.length : undefined, minor: result.violations.length };
}

export async function screenshot(page, name) {
  fs.mkdirSync(env.screenshots, { recursive: true });
  const file = path.join(env.screenshots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Opens the widget host page and waits until the month shows days with times. */
export async function openWidget(page, query = "") {
  await page.goto(`${env.host}/widget.html${query}`);
  await waitForEvent(page, "ready");
  await page.locator("kairos-booking .day.available").first().waitFor();
}

/**
 * A day of the shown month with at least `minimum` times (late in the day
 * or the month, the first day with times may have only one left), moving
 * on a month when this one has none.
 */
export async function pickDay(page, minimum = 4) {
  for (let tries = 0; tries < 3; tries++) {
    const days = await page.locator("kairos-booking .day.available").evaluateAll((buttons) =>
      buttons.map((b) => ({
        date: b.dataset.date,
        count: Number(((b.getAttribute("aria-label") || "").match(/(\d+) times? available/) || [0, 0])[1]),
      })));
    const good = days.find((d) => d.count >= minimum);
    if (good) return good.date;
    await page.locator('kairos-booking button[aria-label="Next month"]').click();
    await page.locator("kairos-booking .day.available").first().waitFor();
  }
  throw new Error(`no day with ${minimum} times in three months`);
}

/** Fills the intake form of the test event type (every question kind). */
export async function fillForm(page, { name = "Pat Doe", email = "pat@example.com", phone = "+1 212 555 0100" } = {}) {
  const field = (n) => page.locator(`kairos-booking [name="${n}"]`);
  await field("invitee.name").fill(name);
  await field("invitee.email").fill(email);
  await field("answers.company").fill("Acme");
  await field("answers.notes").fill("Line one\nLine two");
  await field("answers.assistant").fill("assistant@example.com");
  await field("answers.phone").fill(phone);
  await field("answers.size").selectOption("11-50");
  await page.locator('kairos-booking [name="answers.topics"][value="Pricing"]').check();
  await field("answers.terms").check();
}

/** Prints the scenario's result for the Rust side, which parses this line. */
export function result(value) {
  console.log(`RESULT ${JSON.stringify(value)}`);
}
