// The public booking API as the widget uses it: event type, slots, holds,
// booking. Every failure becomes a Problem carrying the API's problem+json
// (status, detail and the field at fault), so the form can show it beside
// the field.

export class Problem extends Error {
  constructor(status, detail, field) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.field = field || null;
  }
}

const NETWORK = "Kairos cannot be reached. Check your connection and try again.";

async function problemOf(response) {
  let body = null;
  try {
    body = await response.json();
  } catch (_) {
    // Not JSON (a proxy's error page): the status is all there is.
  }
  const detail = (body && typeof body.detail === "string" && body.detail) ||
    `The booking service answered ${response.status}.`;
  return new Problem(response.status, detail, body && typeof body.field === "string" ? body.field : null);
}

export class Api {
  constructor(origin, user, event) {
    this.origin = origin;
    this.base = `${origin}/api/v1/public/${encodeURIComponent(user)}/${encodeURIComponent(event)}`;
    // null: not known yet; false: this server has no holds (404), book without.
    this.holdsSupported = null;
  }

  async request(url, init = {}) {
    let response;
    try {
      response = await fetch(url, { mode: "cors", credentials: "omit", ...init });
    } catch (_) {
      throw new Problem(0, NETWORK, null);
    }
    return response;
  }

  async json(url, init) {
    const response = await this.request(url, init);
    if (!response.ok) throw await problemOf(response);
    return { response, body: response.status === 204 ? null : await response.json() };
  }

  async eventType() {
    return (await this.json(this.base)).body;
  }

  /** Slots in [start, end) grouped by local date in `timezone`; `hold`: ours, not counted busy. */
  async slots(start, end, timezone, hold) {
    const query = new URLSearchParams({ start, end, timezone });
    if (hold) query.set("hold", hold);
    return (await this.json(`${this.base}/slots?${query}`)).body;
  }

  /**
   * Holds `start` for this visitor, moving their `current` hold if any.
   * Answers the hold, or null when the server has no holds (the booking
   * then simply races); a time that is not free throws a Problem (409).
   */
  async hold(start, current) {
    if (this.holdsSupported === false) return null;
    let response;
    try {
      response = await this.request(`${this.base}/holds`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        // The current hold moves to the new time (or, the same time, renews).
        body: JSON.stringify(current ? { start, hold: current } : { start }),
      });
    } catch (_) {
      // Unreachable or refused by the browser (an older server's preflight):
      // choosing a time must not fail for want of a hold; booking will say
      // plainly if the server cannot be reached.
      return null;
    }
    if (response.status === 404 || response.status === 405) {
      // No holds endpoint here (an older server): degrade, do not fail.
      const problem = await problemOf(response);
      if (!/event type/i.test(problem.detail)) {
        this.holdsSupported = false;
        return null;
      }
      throw problem;
    }
    if (response.status === 429) {
      // Too many holds from this visitor: choosing still works, unheld.
      return null;
    }
    if (!response.ok) throw await problemOf(response);
    this.holdsSupported = true;
    return response.json();
  }

  /** Lets a hold go (best effort: it expires anyway). */
  release(hold) {
    if (!hold) return;
    fetch(`${this.origin}/api/v1/public/holds/${encodeURIComponent(hold)}`, {
      method: "DELETE",
      mode: "cors",
      credentials: "omit",
      keepalive: true,
    }).catch(() => {});
  }

  /** Books; `key` makes a retry of the same attempt safe (Idempotency-Key). */
  async book(request, key) {
    const { body } = await this.json(`${this.base}/bookings`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": key },
      body: JSON.stringify(request),
    });
    return body;
  }
}
