// <kairos-booking user="ana" event="intro">: a booking page as a custom
// element in shadow DOM, over the public JSON API (no iframe). Plain ES
// modules served by the Kairos binary:
//
//   <script type="module" src="https://kairos.example/widgets/kairos-booking.js"></script>
//   <kairos-booking user="ana" event="intro"></kairos-booking>
//
// Attributes: user, event (required); timezone (default: the visitor's);
// origin (default: where this script came from); lang; theme (light/dark);
// compact; prefill-name, prefill-email, prefill-<question id>;
// utm-source, utm-medium, utm-campaign, utm-term, utm-content.
// Properties: prefill = {name, email, answers}, utm = {source, …}.
// What is not configured is taken from the page's URL (name, email, question
// ids, utm_*). Events (bubbling, composed, on the element): kairos:ready
// {user, event}, kairos:date_selected {date}, kairos:time_selected {start,
// end}, kairos:booked {uid, start, end, event_type, invitee_email}.

import { Api, Problem } from "./api.js";
import * as time from "./time.js";
import * as form from "./form.js";
import { css } from "./styles.js";

const UTM_KEYS = ["source", "medium", "campaign", "term", "content"];
const SCRIPT_ORIGIN = new URL(import.meta.url).origin;

function h(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

function randomKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Values longer than the API takes are cut, not refused. */
function clip(value, length = 500) {
  return String(value).replace(/[\r\n\t]+/g, " ").slice(0, length);
}

export class KairosBooking extends HTMLElement {
  static get observedAttributes() {
    return ["user", "event", "timezone", "origin"];
  }

  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._prefill = null;
    this._utm = null;
    this.state = null;
  }

  get prefill() {
    return this._prefill;
  }

  set prefill(value) {
    this._prefill = value || null;
  }

  get utm() {
    return this._utm;
  }

  set utm(value) {
    this._utm = value || null;
  }

  connectedCallback() {
    if (!this.state) this.start();
  }

  disconnectedCallback() {
    if (this.state && this.state.hold && this.state.step !== "done") {
      this.api.release(this.state.hold.hold);
      this.state.hold = null;
    }
    clearTimeout(this.holdTimer);
  }

  attributeChangedCallback(name, before, after) {
    if (!this.state || before === after) return;
    if (name === "timezone" && after) {
      this.setZone(after);
    } else if (name !== "timezone") {
      this.start();
    }
  }

  // ---- configuration -----------------------------------------------------

  get locale() {
    return this.getAttribute("lang") || document.documentElement.lang || navigator.language || "en";
  }

  /** Prefill: attributes and the property first, then the page's URL. */
  prefillFor(questions) {
    const url = new URLSearchParams(location.search);
    const given = this._prefill || {};
    const answers = { ...(given.answers || {}) };
    for (const q of questions) {
      const attribute = this.getAttribute(`prefill-${q.id}`);
      if (answers[q.id] === undefined && attribute !== null) answers[q.id] = attribute;
      if (answers[q.id] === undefined && url.has(q.id)) {
        answers[q.id] = q.kind === "multi_select" ? url.getAll(q.id) : url.get(q.id);
      }
    }
    return {
      name: given.name || this.getAttribute("prefill-name") || url.get("name") || "",
      email: given.email || this.getAttribute("prefill-email") || url.get("email") || "",
      answers,
    };
  }

  /** UTM: attributes and the property first, then the page's URL. */
  utmValues() {
    const url = new URLSearchParams(location.search);
    const given = this._utm || {};
    const utm = {};
    for (const key of UTM_KEYS) {
      const value = given[key] || this.getAttribute(`utm-${key}`) || url.get(`utm_${key}`);
      if (value) utm[key] = clip(value);
    }
    return utm;
  }

  emit(name, detail) {
    this.dispatchEvent(new CustomEvent(`kairos:${name}`, { detail, bubbles: true, composed: true }));
  }

  // ---- lifecycle ---------------------------------------------------------

  async start() {
    const user = this.getAttribute("user");
    const event = this.getAttribute("event");
    const origin = (this.getAttribute("origin") || SCRIPT_ORIGIN).replace(/\/+$/, "");
    this.api = new Api(origin, user || "", event || "");
    const zone = this.getAttribute("timezone") || time.detectZone();
    this.state = {
      step: "loading",
      user,
      event,
      zone,
      hour12: time.prefers12Hour(this.locale),
      month: null,
      days: new Map(),
      loadingMonth: false,
      date: null,
      slot: null,
      hold: null,
      notice: null,
      eventType: null,
      attempt: null,
    };
    this.skeleton();
    if (!user || !event) {
      this.fail("This booking widget needs user and event attributes.");
      return;
    }
    try {
      this.state.eventType = await this.api.eventType();
    } catch (problem) {
      this.fail(problem.status === 404 ? "This booking page does not exist."
        : problem.status === 0
          ? "This booking calendar could not be loaded: Kairos cannot be reached, or this site is not allowed to show it."
          : problem.detail);
      return;
    }
    const today = time.parseDate(time.todayIn(zone));
    this.state.month = { year: today.year, month: today.month };
    this.state.step = "pick";
    this.renderHeader();
    this.render();
    this.emit("ready", { user, event });
    await this.loadMonth(true);
  }

  /** The shadow root's fixed frame: styles, container, live region. */
  skeleton() {
    const root = this.shadowRoot;
    root.replaceChildren();
    const style = h("style", { text: css });
    this.header = h("div", { class: "header", part: "header" });
    this.noticeBox = h("div", { class: "notice", part: "status", role: "alert", hidden: true });
    this.body = h("div", { class: "body", "aria-busy": "true" }, [h("p", { class: "muted", text: "Loading…" })]);
    this.live = h("div", { class: "visually-hidden", "aria-live": "polite", "aria-atomic": "true" });
    this.container = h("div", { class: "container", part: "container" }, [this.header, this.noticeBox, this.body, this.live]);
    root.append(style, this.container);
  }

  fail(message) {
    this.state.step = "error";
    this.header.replaceChildren();
    this.body.removeAttribute("aria-busy");
    this.body.replaceChildren(h("p", { class: "notice problem", role: "alert", text: message }));
  }

  announce(text) {
    // Cleared first so the same words are announced again.
    this.live.textContent = "";
    setTimeout(() => {
      this.live.textContent = text;
    }, 50);
  }

  notice(text, problem = false) {
    this.state.notice = text;
    this.noticeBox.hidden = !text;
    this.noticeBox.classList.toggle("problem", problem);
    this.noticeBox.textContent = text || "";
  }

  renderHeader() {
    const type = this.state.eventType;
    const meta = [`${type.duration_minutes} min`, type.location && type.location.label];
    if (type.kind === "group" && type.seats) meta.push(`up to ${type.seats} people`);
    if (type.requires_approval) meta.push("the host confirms each request");
    // replaceChildren would print a null as the text "null".
    const children = [
      h("p", { class: "muted", text: type.owner.name }),
      h("h2", { part: "title", text: type.title }),
      h("div", { class: "meta" }, meta.filter(Boolean).map((m) => h("span", { text: m }))),
    ];
    if (type.description) children.push(h("p", { class: "description", text: type.description }));
    this.header.replaceChildren(...children);
  }

  // ---- slots -------------------------------------------------------------

  monthKey(month = this.state.month) {
    return `${month.year}-${String(month.month).padStart(2, "0")}`;
  }

  /** Loads the month's slots (in the chosen zone); the first load moves on
   * to the next months when this one has no times left. */
  async loadMonth(first = false, focusDate = null) {
    const state = this.state;
    const month = state.month;
    state.loadingMonth = true;
    this.body.setAttribute("aria-busy", "true");
    this.render();
    const [start, end] = time.monthRange(month);
    let answer;
    try {
      answer = await this.api.slots(start, end, state.zone, state.hold && state.hold.hold);
    } catch (problem) {
      if (state !== this.state) return;
      state.loadingMonth = false;
      this.body.removeAttribute("aria-busy");
      this.notice(problem.detail, true);
      this.render();
      return;
    }
    if (state !== this.state || month !== state.month) return;
    const prefix = this.monthKey(month);
    state.days = new Map(
      answer.days.filter((d) => d.date.startsWith(prefix) && d.slots.length).map((d) => [d.date, d.slots]),
    );
    state.loadingMonth = false;
    this.body.removeAttribute("aria-busy");
    if (first && state.days.size === 0 && (state.skipped || 0) < 2) {
      state.skipped = (state.skipped || 0) + 1;
      state.month = time.addMonths(month, 1);
      return this.loadMonth(true);
    }
    this.render();
    const count = [...state.days.values()].reduce((n, s) => n + s.length, 0);
    this.announce(
      state.days.size
        ? `${time.formatMonth(month, this.locale)}: ${state.days.size} days with times available.`
        : `${time.formatMonth(month, this.locale)}: no times available.`,
    );
    if (focusDate) this.focusDay(focusDate);
    return count;
  }

  async changeMonth(delta, focusDate = null) {
    const today = time.parseDate(time.todayIn(this.state.zone));
    const next = time.addMonths(this.state.month, delta);
    if (next.year * 12 + next.month < today.year * 12 + today.month) return;
    this.state.month = next;
    this.state.days = new Map();
    await this.loadMonth(false, focusDate);
  }

  async setZone(zone) {
    if (!zone || zone === this.state.zone) return;
    this.state.zone = zone;
    this.state.date = null;
    await this.loadMonth();
  }

  // ---- rendering ---------------------------------------------------------

  render() {
    const state = this.state;
    // Re-rendering replaces the controls: the one that had focus gets it back.
    const active = this.shadowRoot.activeElement;
    const key = active && (active.id ? `#${active.id}` : active.dataset.date ? `[data-date="${active.dataset.date}"]`
      : active.dataset.start ? `[data-start="${active.dataset.start}"]`
        : active.getAttribute("aria-label") ? `[aria-label="${CSS.escape(active.getAttribute("aria-label"))}"]` : null);
    if (state.step === "pick") this.body.replaceChildren(this.renderPick());
    else if (state.step === "form") this.body.replaceChildren(this.renderForm());
    else if (state.step === "done") this.body.replaceChildren(this.renderDone());
    if (key && !this.shadowRoot.activeElement) {
      const again = this.body.querySelector(key);
      if (again && !again.disabled) again.focus();
    }
  }

  renderPick() {
    const state = this.state;
    const locale = this.locale;
    const firstDay = time.firstDayOfWeek(locale);
    const monthId = "kairos-month";
    const today = time.todayIn(state.zone);
    const todayMonth = time.parseDate(today);
    const atFirstMonth = state.month.year * 12 + state.month.month <= todayMonth.year * 12 + todayMonth.month;
    const names = time.weekdayNames(locale, firstDay);

    // The day that takes Tab (roving tabindex): the chosen one, else the
    // first with times, else the first of the month.
    const dates = [...state.days.keys()].sort();
    const rover = (state.date && state.date.startsWith(this.monthKey()) && state.date) || dates[0] ||
      `${this.monthKey()}-01`;

    const table = h("table", { class: "calendar", part: "calendar", "aria-labelledby": monthId });
    table.append(h("thead", {}, [h("tr", {}, names.map((n) => h("th", { scope: "col", abbr: n.long, text: n.short })))]));
    const tbody = h("tbody");
    for (const week of time.monthWeeks(state.month, firstDay)) {
      const row = h("tr");
      for (const date of week) {
        if (!date) {
          row.append(h("td"));
          continue;
        }
        const slots = state.days.get(date);
        const available = Boolean(slots);
        const label = `${time.formatDate(date, locale)}, ${available ? `${slots.length} ${slots.length === 1 ? "time" : "times"} available` : "no times available"}`;
        const button = h("button", {
          type: "button",
          class: `day${available ? " available" : ""}${date === today ? " today" : ""}`,
          part: available ? "day available" : "day",
          "data-date": date,
          "aria-label": label,
          "aria-disabled": available ? null : "true",
          "aria-pressed": available ? String(date === state.date) : null,
          "aria-current": date === today ? "date" : null,
          tabindex: date === rover ? "0" : "-1",
          text: String(time.parseDate(date).day),
          onclick: () => available && this.chooseDate(date),
          onkeydown: (e) => this.dayKey(e, date),
        });
        row.append(h("td", {}, [button]));
      }
      tbody.append(row);
    }
    table.append(tbody);

    const calendar = h("div", { class: "cal" }, [
      h("div", { class: "monthbar", part: "month" }, [
        h("button", {
          type: "button", class: "nav", part: "nav", "aria-label": "Previous month", text: "‹",
          disabled: atFirstMonth, onclick: () => this.changeMonth(-1),
        }),
        h("h3", { id: monthId, "aria-live": "polite", text: time.formatMonth(state.month, locale) }),
        h("button", {
          type: "button", class: "nav", part: "nav", "aria-label": "Next month", text: "›",
          onclick: () => this.changeMonth(1),
        }),
      ]),
      table,
      state.loadingMonth ? h("p", { class: "muted", text: "Loading times…" }) :
        state.days.size === 0 ? h("p", { class: "empty", text: "No times this month. Try the next month." }) : null,
    ]);

    const layout = h("div", { class: "layout" }, [calendar, this.renderTimes()]);
    return h("div", { class: "pick" }, [layout, this.renderZone()]);
  }

  renderTimes() {
    const state = this.state;
    const locale = this.locale;
    if (!state.date) {
      return h("div", { class: "times-box" }, [
        h("h3", { id: "kairos-times", text: "Choose a day" }),
        h("p", { class: "muted", text: "Days with times are highlighted." }),
      ]);
    }
    const slots = state.days.get(state.date) || [];
    const list = h("ul", { class: "times", "aria-labelledby": "kairos-times" });
    for (const slot of slots) {
      const label = time.formatTime(slot.start, state.zone, locale, state.hour12);
      const seats = slot.seats_left !== undefined && slot.seats_left !== null
        ? `${slot.seats_left} ${slot.seats_left === 1 ? "seat" : "seats"} left` : null;
      list.append(h("li", {}, [h("button", {
        type: "button", class: "time", part: "time", "data-start": slot.start,
        "aria-label": seats ? `${label}, ${seats}` : label,
        onclick: () => this.chooseTime(slot),
      }, [label, seats ? h("span", { class: "seats", "aria-hidden": "true", text: seats }) : null])]));
    }
    return h("div", { class: "times-box" }, [
      h("h3", { id: "kairos-times", tabindex: "-1", text: time.formatDate(state.date, locale) }),
      slots.length ? list : h("p", { class: "empty", text: "No times left on this day. Please choose another day." }),
    ]);
  }

  renderZone() {
    const state = this.state;
    const select = h("select", { id: "kairos-zone", part: "zone", onchange: (e) => this.setZone(e.target.value) });
    for (const zone of time.zoneList(state.zone)) {
      select.append(h("option", { value: zone, selected: zone === state.zone, text: zone.replace(/_/g, " ") }));
    }
    const clock = h("input", {
      type: "checkbox", id: "kairos-clock", checked: state.hour12,
      onchange: (e) => {
        state.hour12 = e.target.checked;
        this.render();
        this.shadowRoot.getElementById("kairos-clock").focus();
      },
    });
    return h("div", { class: "zone" }, [
      h("label", { for: "kairos-zone", text: "Time zone" }),
      select,
      h("div", { class: "clock" }, [clock, h("label", { for: "kairos-clock", text: "12-hour clock (AM/PM)" })]),
    ]);
  }

  focusDay(date) {
    const button = this.shadowRoot.querySelector(`.day[data-date="${date}"]`);
    if (!button) return;
    for (const other of this.shadowRoot.querySelectorAll(".day")) other.tabIndex = -1;
    button.tabIndex = 0;
    button.focus();
  }

  /** Arrow keys move between days (across months), Page Up/Down by month. */
  dayKey(e, date) {
    const { year, month, day } = time.parseDate(date);
    const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
    let target = null;
    if (e.key in moves) {
      target = new Date(Date.UTC(year, month - 1, day + moves[e.key]));
    } else if (e.key === "Home" || e.key === "End") {
      const firstDay = time.firstDayOfWeek(this.locale);
      const weekday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() - firstDay + 7) % 7;
      target = new Date(Date.UTC(year, month - 1, day + (e.key === "Home" ? -weekday : 6 - weekday)));
    } else if (e.key === "PageUp" || e.key === "PageDown") {
      e.preventDefault();
      const delta = e.key === "PageUp" ? -1 : 1;
      const next = time.addMonths({ year, month }, delta);
      const last = new Date(Date.UTC(next.year, next.month, 0)).getUTCDate();
      this.changeMonth(delta, time.dateString(next.year, next.month, Math.min(day, last)));
      return;
    } else {
      return;
    }
    e.preventDefault();
    const next = time.dateString(target.getUTCFullYear(), target.getUTCMonth() + 1, target.getUTCDate());
    if (next < time.todayIn(this.state.zone).slice(0, 8) + "01") return;
    if (next.startsWith(this.monthKey())) this.focusDay(next);
    else this.changeMonth(next > date ? 1 : -1, next);
  }

  chooseDate(date) {
    this.state.date = date;
    this.notice(null);
    this.render();
    this.focusDay(date);
    const slots = this.state.days.get(date) || [];
    this.announce(`${time.formatDate(date, this.locale)}: ${slots.length} ${slots.length === 1 ? "time" : "times"} available.`);
    this.emit("date_selected", { date });
  }

  async chooseTime(slot) {
    const state = this.state;
    if (state.choosing) return;
    const end = time.plusMinutes(slot.start, state.eventType.duration_minutes);
    const same = (a, b) => a && b && new Date(a).getTime() === new Date(b).getTime();
    // Back then the same time again: the hold we have still covers it.
    const kept = state.hold && same(state.hold.start, slot.start) &&
      (!state.hold.expires_at || new Date(state.hold.expires_at).getTime() > Date.now() + 20_000);
    let hold = kept ? state.hold : null;
    if (!kept) {
      clearTimeout(this.holdTimer);
      state.choosing = true;
      try {
        hold = await this.api.hold(slot.start, state.hold && state.hold.hold);
        state.hold = null;
      } catch (problem) {
        if (problem.status === 409) {
          await this.timeGone("That time was just taken. Please choose another time.");
        } else {
          this.notice(problem.detail, true);
        }
        return;
      } finally {
        state.choosing = false;
      }
    }
    state.hold = hold;
    state.slot = { start: slot.start, end };
    state.attempt = null;
    state.step = "form";
    this.notice(null);
    this.scheduleHoldRenewal();
    this.render();
    this.emit("time_selected", { start: slot.start, end });
    const firstEmpty = [...this.shadowRoot.querySelectorAll("form input:not([type=checkbox]), form textarea")]
      .find((c) => !c.value);
    (firstEmpty || this.shadowRoot.querySelector("form input, form select, form textarea")).focus();
  }

  releaseHold() {
    if (this.state.hold) this.api.release(this.state.hold.hold);
    this.state.hold = null;
    clearTimeout(this.holdTimer);
  }

  /** A hold runs out after a few minutes: take it again just before. */
  scheduleHoldRenewal() {
    clearTimeout(this.holdTimer);
    const hold = this.state.hold;
    if (!hold || !hold.expires_at) return;
    const wait = Math.max(5_000, new Date(hold.expires_at).getTime() - Date.now() - 15_000);
    this.holdTimer = setTimeout(async () => {
      if (this.state.step !== "form" || this.state.hold !== hold) return;
      try {
        // The same time with the current hold renews it.
        this.state.hold = await this.api.hold(this.state.slot.start, hold.hold);
        this.scheduleHoldRenewal();
      } catch (problem) {
        if (problem.status === 409) await this.timeGone("Sorry, that time was taken while you were filling in the form. Please choose another time.");
      }
    }, wait);
  }

  /** The chosen time is no longer free: back to the day, other times offered. */
  async timeGone(message) {
    const state = this.state;
    this.releaseHold();
    state.step = "pick";
    state.slot = null;
    this.notice(message, true);
    await this.loadMonth();
    const heading = this.shadowRoot.getElementById("kairos-times");
    if (heading) heading.focus();
  }

  /** Back to the times: what was typed is kept, and so is the hold (the
   * slots ask with it, so the held time is still shown as free to us). */
  backToTimes() {
    const state = this.state;
    const start = state.slot && state.slot.start;
    const formNode = this.shadowRoot.querySelector("form");
    if (formNode) {
      const { invitee, answers } = form.read(formNode, state.eventType.questions || []);
      state.draft = { name: invitee.name, email: invitee.email, answers };
    }
    clearTimeout(this.holdTimer);
    state.step = "pick";
    state.slot = null;
    this.notice(null);
    this.loadMonth().then(() => {
      const button = start && this.shadowRoot.querySelector(`.time[data-start="${start}"]`);
      (button || this.shadowRoot.getElementById("kairos-times"))?.focus();
    });
  }

  renderForm() {
    const state = this.state;
    const type = state.eventType;
    const questions = type.questions || [];
    const locale = this.locale;
    const when = time.formatRange(state.slot.start, state.slot.end, state.zone, locale, state.hour12);
    const held = state.hold && state.hold.expires_at
      ? `We hold this time for you until ${time.formatTime(state.hold.expires_at, state.zone, locale, state.hour12)}.`
      : null;
    const submit = h("button", { type: "submit", class: "button primary", part: "button primary", text: type.requires_approval ? "Request booking" : "Book" });
    const formNode = h("form", { novalidate: true, part: "form", "aria-labelledby": "kairos-details" },
      form.fields(questions, state.draft || this.prefillFor(questions)));
    formNode.append(
      h("p", { class: "error form-error", part: "error", hidden: true }),
      h("div", { class: "actions" }, [
        submit,
        h("button", { type: "button", class: "button", part: "button", text: "Back", onclick: () => this.backToTimes() }),
      ]),
    );
    formNode.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit(formNode, submit);
    });
    return h("div", { class: "details" }, [
      h("h3", { id: "kairos-details", text: "Your details" }),
      h("p", { class: "summary", text: when }),
      held ? h("p", { class: "muted", text: held }) : null,
      formNode,
    ]);
  }

  async submit(formNode, button) {
    const state = this.state;
    if (button.getAttribute("aria-busy") === "true") return;
    const questions = state.eventType.questions || [];
    const formError = formNode.querySelector(".form-error");
    formError.hidden = true;
    const errors = form.check(formNode, questions);
    if (Object.keys(errors).length) {
      const { first } = form.showErrors(formNode, errors);
      const count = Object.keys(errors).length;
      this.announce(`${count} ${count === 1 ? "field needs" : "fields need"} attention.`);
      if (first) first.focus();
      return;
    }
    form.showErrors(formNode, {});
    const { invitee, answers } = form.read(formNode, questions);
    const request = {
      start: state.slot.start,
      invitee: { ...invitee, timezone: state.zone },
      answers,
      utm: this.utmValues(),
    };
    if (state.hold) request.hold = state.hold.hold;
    // The embedding page, kept with the booking for attribution (as the
    // booking pages keep theirs) unless this server does not take it.
    if (this.api.embedUrl !== false && location.protocol.startsWith("http")) {
      request.embed_url = location.href.split("#")[0].slice(0, 2000);
    }
    button.setAttribute("aria-busy", "true");
    button.textContent = "Booking…";
    let booking;
    try {
      booking = await this.book(request);
    } catch (problem) {
      button.removeAttribute("aria-busy");
      button.textContent = state.eventType.requires_approval ? "Request booking" : "Book";
      if (problem.status !== 0) state.attempt = null;
      this.bookingRefused(formNode, problem);
      return;
    }
    clearTimeout(this.holdTimer);
    state.hold = null;
    state.booking = booking;
    state.step = "done";
    this.notice(null);
    this.render();
    this.shadowRoot.getElementById("kairos-done").focus();
    this.emit("booked", {
      uid: booking.uid,
      start: booking.start,
      end: booking.end,
      event_type: state.eventType.slug,
      invitee_email: booking.invitee.email,
    });
  }

  /** Books `request`; attribution the server refuses is dropped, never the booking. */
  async book(request) {
    const state = this.state;
    // The same attempt keeps its key so a retry after a lost answer cannot book twice.
    const body = JSON.stringify(request);
    if (!state.attempt || state.attempt.body !== body) state.attempt = { body, key: randomKey() };
    try {
      return await this.api.book(request, state.attempt.key);
    } catch (problem) {
      const aboutEmbedUrl = problem.status === 422 &&
        (problem.field === "embed_url" || /embed_url/.test(problem.detail));
      if (!aboutEmbedUrl || !("embed_url" in request)) throw problem;
      this.api.embedUrl = false;
      const without = { ...request };
      delete without.embed_url;
      return this.book(without);
    }
  }

  bookingRefused(formNode, problem) {
    if (problem.status === 409 || problem.field === "start" || problem.field === "hold") {
      this.timeGone(problem.status === 409
        ? "Sorry, that time was just taken. Here are the other times."
        : form.sentence(problem.detail));
      return;
    }
    const field = problem.field;
    const message = field ? form.sentence(problem.detail) : problem.detail;
    const { first, unplaced } = form.showErrors(formNode, field ? { [field]: message } : {});
    if (first) {
      first.focus();
      this.announce(message);
      return;
    }
    const formError = formNode.querySelector(".form-error");
    formError.textContent = unplaced[0] || problem.detail;
    formError.hidden = false;
    formError.setAttribute("role", "alert");
  }

  renderDone() {
    const state = this.state;
    const booking = state.booking;
    const type = state.eventType;
    const pending = booking.status === "pending";
    const when = time.formatRange(booking.start, booking.end, state.zone, this.locale, state.hour12);
    return h("div", { class: "confirmation", part: "confirmation" }, [
      h("h2", { id: "kairos-done", tabindex: "-1", text: pending ? "Request sent" : "You are booked" }),
      h("p", {
        text: pending
          ? `${type.owner.name} will confirm your request for ${type.title}.`
          : `${type.title} with ${type.owner.name}.`,
      }),
      h("p", { class: "summary", text: when }),
      type.location ? h("p", { text: type.location.label }) : null,
      booking.manage_url
        ? h("p", {}, [h("a", { href: booking.manage_url, target: "_blank", rel: "noopener", text: "Reschedule or cancel this booking" })])
        : null,
    ]);
  }
}

if (!customElements.get("kairos-booking")) customElements.define("kairos-booking", KairosBooking);
export { Problem };
