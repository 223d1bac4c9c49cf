// Every server-rendered page an invitee can meet, in order, for axe (4) and
// the screenshots (6): the host page, the calendar (and a chosen day), the
// form (empty, then with the server's field errors), the confirmation and
// manage pages, the survey the booking's workflow emailed, a host's approval page, the "time gone" page, the team page and its calendar, a
// one-off link and its 410, a 404, and the calendar in German.

import { check, env, mailedLink } from "./lib.mjs";

async function api(method, path, body) {
  const response = await fetch(`${env.kairos}${path}`, {
    method,
    headers: { authorization: `Bearer ${env.key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  check(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

let seeded;

/**
 * A team (with a round-robin event type) and one-off links, through the
 * admin API, once per run: one link stays open, one is revoked (its page
 * answers 410).
 */
export function seedExtras() {
  seeded ??= (async () => {
    const types = await api("GET", "/api/v1/event-types");
    const intro = (Array.isArray(types) ? types : types.items || []).find((t) => t.slug === "intro");
    check(intro, "the intro event type is listed");
    const team = await api("POST", "/api/v1/teams", {
      slug: "sales", name: "Sales team", description: "Talk to whoever of us is free first.",
    });
    await api("POST", "/api/v1/event-types", {
      owner_id: intro.owner_id, slug: "demo", title: "Product demo", kind: "round_robin",
      duration_minutes: 30, min_notice_minutes: 60, team_id: team.id,
      hosts: [{ user_id: intro.owner_id }],
      description: "A walk through the product.",
      location: { kind: "video", url: "https://meet.example/sales" },
    });
    // A survey emailed when the intro is booked: the tour opens its page.
    await api("POST", "/api/v1/workflows", {
      name: "Survey", event_type_id: intro.id, trigger: "booked",
      steps: [{ action: "survey", subject: "How was {{ event.title }}?",
                body: "Tell us how it went: {{ survey_url }}" }],
    });
    // A consultation that needs Ana's approval, requested once: the tour
    // opens the approve-or-decline page her email links to.
    await api("POST", "/api/v1/event-types", {
      owner_id: intro.owner_id, slug: "consult", title: "Consultation", kind: "one_on_one",
      duration_minutes: 45, min_notice_minutes: 60, requires_approval: true,
      questions: [{ id: "goal", label: "What would you like to achieve?", kind: "long_text" }],
    });
    const from = new Date(Date.now() + 2 * 86400000).toISOString();
    const to = new Date(Date.now() + 9 * 86400000).toISOString();
    const slots = await api("GET", `/api/v1/public/ana/consult/slots?start=${from}&end=${to}&timezone=UTC`);
    const first = slots.days.flatMap((d) => d.slots)[0];
    check(first, `the consultation has free times: ${JSON.stringify(slots).slice(0, 300)}`);
    const requested = await api("POST", "/api/v1/public/ana/consult/bookings", {
      start: first.start,
      invitee: { name: "Robin Request", email: "robin@example.com", timezone: "America/New_York" },
      answers: { goal: "Plan the migration.\nTwo teams, one quarter." },
    });
    check(requested.status === "pending", `the consultation waits for approval: ${requested.status}`);
    const owner = await api("GET", `/api/v1/users/${intro.owner_id}`);
    const open = await api("POST", "/api/v1/links", { event_type_id: intro.id });
    const revoked = await api("POST", "/api/v1/links", { event_type_id: intro.id });
    await api("DELETE", `/api/v1/links/${revoked.id}`);
    return { link: open.url, revokedLink: revoked.url, hostEmail: owner.email, seededAt: Date.now() - 60000 };
  })();
  return seeded;
}

/** A form field by its short name (`email`: `invitee.email`; `size`: `answers.size`). */
export const named = (n) => `[name="${n}"], [name="invitee.${n}"], [name="answers.${n}"]`;
/** Whether a focused element's name is that field's. */
export const isField = (name, n) => [n, `invitee.${n}`, `answers.${n}`].includes(name);

const path = (url) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

/**
 * Walks the pages, calling `visit(label, slug)` on each once it has
 * settled. Books one time on the way (as `email`). Returns the labels.
 */
export async function tour(page, email, visit) {
  const extras = await seedExtras();
  const started = Date.now() - 1000;
  const seen = [];
  const at = async (label, slug, expected = 200, url) => {
    if (url) {
      const response = await page.goto(url);
      check(response.status() === expected, `${label}: ${url} answered ${response.status()}, not ${expected}`);
    }
    await page.waitForLoadState("load");
    await visit(label, slug);
    seen.push(label);
  };
  await at("host page /ana", "host", 200, `${env.kairos}/ana`);
  await at("calendar /ana/intro", "calendar", 200, `${env.kairos}/ana/intro`);
  const day = page.locator("a[data-date]").first();
  const dayHref = await day.getAttribute("href");
  await at("calendar with a day chosen", "calendar-day", 200, new URL(dayHref, env.kairos).toString());
  const time = page.locator("a[data-start]").first();
  await time.waitFor();
  const formUrl = new URL(await time.getAttribute("href"), env.kairos).toString();
  check(path(formUrl).startsWith("/ana/intro/book?"), `a time leads to the form: ${formUrl}`);
  await at("form /ana/intro/book", "form", 200, formUrl);

  // Submitted empty past the browser's own checks: the server's errors,
  // each beside its field.
  const booking = page.locator(`form[method="post"]:has(${named("email")})`);
  check(await booking.count() === 1, `one booking form on ${page.url()}: ${await booking.count()}`);
  await booking.evaluate((f) => { f.noValidate = true; });
  await Promise.all([page.waitForNavigation(), booking.locator('button[type="submit"]').click()]);
  // A summary takes the focus (screen readers hear it), and each of its
  // links leads to a field that is marked invalid.
  const invalid = await page.locator('[aria-invalid="true"]').count();
  check(invalid >= 4, `${invalid} fields marked invalid after an empty submit`);
  const summary = await page.evaluate(() => ({
    focused: document.activeElement && document.activeElement.id,
    targets: [...document.querySelectorAll("#kz-summary a")].map((a) => {
      const target = document.getElementById(decodeURIComponent(new URL(a.href).hash.slice(1)));
      return target ? target.getAttribute("aria-invalid") || target.querySelector('[aria-invalid="true"]') !== null : null;
    }),
  }));
  check(summary.focused === "kz-summary", `focus went to the error summary, not ${summary.focused}`);
  check(summary.targets.length === 5 && summary.targets.every((t) => t === "true" || t === true),
    `each summary link leads to an invalid field: ${JSON.stringify(summary.targets)}`);
  await at("form with field errors", "form-errors");

  await page.locator(named("name")).fill("Tour Visitor");
  await page.locator(named("email")).fill(email);
  await page.locator(named("company")).fill("Acme");
  await page.locator(named("size")).selectOption("11-50");
  await page.locator(named("terms")).check();
  await Promise.all([
    page.waitForURL(/\/booking\/[^/?]+\?.*booked=1/),
    booking.locator('button[type="submit"]').click(),
  ]);
  const confirmation = page.url();
  await at("confirmation page", "confirmation");
  const manage = new URL(confirmation);
  manage.searchParams.delete("booked");
  await at("manage page", "manage", 200, manage.toString());
  // The survey the booking's workflow emailed: choose 9, say why, send.
  const survey = await mailedLink(email, `${env.kairos}/survey/`, started);
  await at("survey page", "survey", 200, survey);
  await page.locator('label:has(input[name="score"][value="9"])').click();
  await page.locator('textarea[name="comment"]').fill("Clear and quick.");
  await Promise.all([page.waitForURL(/thanks=1/), page.locator('form button[type="submit"]').click()]);
  check(await page.locator("[role=status]").count() === 1, "the survey thanks in a status line");
  check(await page.locator('input[name="score"][value="9"]').isChecked(), "the answer given is shown");
  await at("survey answered", "survey-thanks");
  // The request waiting for Ana, from the link in her email.
  const approval = await mailedLink(extras.hostEmail, `${env.kairos}/booking/`, extras.seededAt,
    { containing: "/approval?token=" });
  await at("approval page", "approval", 200, approval);
  check(await page.locator('button:has-text("Approve")').count() === 1, "the approval page offers Approve");
  // The same form again: the time is taken now.
  await at("time gone page", "time-gone", 200, formUrl);
  check(await page.locator("[role=alert]").count() > 0, "the time-gone page says so in an alert");

  await at("team page /team/sales", "team", 200, `${env.kairos}/team/sales`);
  await at("team calendar /team/sales/demo", "team-calendar", 200, `${env.kairos}/team/sales/demo`);
  await at("one-off link page", "link", 200, extras.link);
  await at("revoked link page (410)", "link-gone", 410, extras.revokedLink);
  await at("404 page", "not-found", 404, `${env.kairos}/nobody-by-that-name`);
  await at("calendar in German (?lang=de)", "calendar-de", 200, `${env.kairos}/ana/intro?lang=de`);
  check((await page.getAttribute("html", "lang")) === "de", "the German page says lang=de");
  return seen;
}
