// Dates and zones for the widget: the visitor's zone, months as grids of
// local dates, and formatting through Intl (the API gives instants and the
// zone's local dates; the browser only formats).

/** The visitor's IANA zone, or UTC when the browser will not say. */
export function detectZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch (_) {
    return "UTC";
  }
}

/** Every zone the browser knows, with `current` in it. */
export function zoneList(current) {
  let zones = [];
  try {
    zones = Intl.supportedValuesOf("timeZone");
  } catch (_) {
    zones = ["UTC"];
  }
  if (current && !zones.includes(current)) zones = [current, ...zones];
  return zones;
}

/** "2026-06-01" → {year, month (1-12), day}. */
export function parseDate(date) {
  const [year, month, day] = date.split("-").map(Number);
  return { year, month, day };
}

function pad(n) {
  return String(n).padStart(2, "0");
}

export function dateString(year, month, day) {
  return `${year}-${pad(month)}-${pad(day)}`;
}

/** Today's date in `zone`. */
export function todayIn(zone, now = new Date()) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
  }).formatToParts(now);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** {year, month} moved by `delta` months. */
export function addMonths({ year, month }, delta) {
  const index = year * 12 + (month - 1) + delta;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

/**
 * The instants to ask slots for so that every local date of the month is
 * covered in any zone (offsets stay within ±14 h): a day either side. The
 * answer is grouped by local date, so dates outside the month are dropped.
 */
export function monthRange({ year, month }) {
  const start = new Date(Date.UTC(year, month - 1, 1) - 86_400_000);
  const end = new Date(Date.UTC(year, month, 1) + 86_400_000);
  return [start.toISOString().replace(".000Z", "Z"), end.toISOString().replace(".000Z", "Z")];
}

/** The first day of the week for `locale` (0 Sunday … 6 Saturday). */
export function firstDayOfWeek(locale) {
  try {
    const info = new Intl.Locale(locale);
    const week = info.getWeekInfo ? info.getWeekInfo() : info.weekInfo;
    if (week && week.firstDay) return week.firstDay % 7;
  } catch (_) {
    // Older browsers: fall through.
  }
  return /^en-(US|CA)|^ja|^he|^pt-BR/.test(locale) ? 0 : 1;
}

/** The month as weeks of date strings (null outside the month). */
export function monthWeeks({ year, month }, firstDay) {
  const first = new Date(Date.UTC(year, month - 1, 1));
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const lead = (first.getUTCDay() - firstDay + 7) % 7;
  const cells = Array(lead).fill(null);
  for (let d = 1; d <= days; d++) cells.push(dateString(year, month, d));
  while (cells.length % 7) cells.push(null);
  const weeks = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return weeks;
}

/** Weekday names in order from `firstDay`: [{short, long}]. */
export function weekdayNames(locale, firstDay) {
  const names = [];
  for (let i = 0; i < 7; i++) {
    // 2023-01-01 was a Sunday.
    const date = new Date(Date.UTC(2023, 0, 1 + ((firstDay + i) % 7), 12));
    names.push({
      short: new Intl.DateTimeFormat(locale, { weekday: "short", timeZone: "UTC" }).format(date),
      long: new Intl.DateTimeFormat(locale, { weekday: "long", timeZone: "UTC" }).format(date),
    });
  }
  return names;
}

function noonUtc(date) {
  const { year, month, day } = parseDate(date);
  return new Date(Date.UTC(year, month - 1, day, 12));
}

export function formatMonth({ year, month }, locale) {
  return new Intl.DateTimeFormat(locale, { month: "long", year: "numeric", timeZone: "UTC" })
    .format(new Date(Date.UTC(year, month - 1, 15)));
}

/** "Monday, June 1, 2026". */
export function formatDate(date, locale) {
  return new Intl.DateTimeFormat(locale, {
    weekday: "long", month: "long", day: "numeric", year: "numeric", timeZone: "UTC",
  }).format(noonUtc(date));
}

/** A start's wall-clock time in `zone`. */
export function formatTime(instant, zone, locale, hour12) {
  return new Intl.DateTimeFormat(locale, {
    hour: "numeric", minute: "2-digit", hour12, timeZone: zone,
  }).format(new Date(instant));
}

/** "Monday, June 1, 2026, 9:00 – 9:30 AM (Europe/Paris)". */
export function formatRange(start, end, zone, locale, hour12) {
  const options = {
    weekday: "long", month: "long", day: "numeric", year: "numeric",
    hour: "numeric", minute: "2-digit", hour12, timeZone: zone,
  };
  const format = new Intl.DateTimeFormat(locale, options);
  const text = format.formatRange
    ? format.formatRange(new Date(start), new Date(end))
    : `${format.format(new Date(start))} – ${formatTime(end, zone, locale, hour12)}`;
  return `${text} (${zone.replace(/_/g, " ")})`;
}

/** Whether `locale` writes times on a 12-hour clock by default. */
export function prefers12Hour(locale) {
  try {
    return new Intl.DateTimeFormat(locale, { hour: "numeric" }).resolvedOptions().hour12 === true;
  } catch (_) {
    return false;
  }
}

/** The end of a slot starting at `start` lasting `minutes`. */
export function plusMinutes(start, minutes) {
  return new Date(new Date(start).getTime() + minutes * 60_000).toISOString().replace(".000Z", "Z");
}
