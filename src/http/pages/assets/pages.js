/* Kairos pages: progressive enhancement only; every page works without it.
   - dispatches the page events (kairos:ready, kairos:booked, ...) on document;
   - focuses an error summary;
   - booking calendar: the browser's own time zone, months fetched from the
     public slots API, day and clock changes without reloading. */
(function () {
  "use strict";
  var d = document;
  function fire(type, detail) {
    d.dispatchEvent(new CustomEvent(type, { detail: detail, bubbles: true }));
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return "&#" + c.charCodeAt(0) + ";";
    });
  }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, k) {
      return k in values ? values[k] : m;
    });
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function init() {
    var node = d.getElementById("kairos-page");
    var page = node ? JSON.parse(node.textContent) : {};
    (page.events || []).forEach(function (e) { fire(e.type, e.detail); });
    var summary = d.getElementById("kz-summary");
    if (summary) summary.focus();
    if (page.cal) calendar(page.cal);
  }

  function calendar(c) {
    var t = c.t, body = d.getElementById("kz-cal-body");
    if (!body || !window.Intl || !window.fetch) return;
    var state = { zone: c.zone, clock: c.clock, month: c.month, date: c.date };
    var months = {}; /* zone|month -> [[utc, seats], ...] */
    months[c.zone + "|" + c.month] = c.starts;

    function valid(zone) {
      try { new Intl.DateTimeFormat("en", { timeZone: zone }); return true; } catch (e) { return false; }
    }
    function local(iso, zone) {
      var parts = {};
      new Intl.DateTimeFormat("en-US", {
        timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit",
        day: "2-digit", hour: "2-digit", minute: "2-digit"
      }).formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
      var hour = +parts.hour % 24;
      return { date: parts.year + "-" + parts.month + "-" + parts.day, h: hour, m: +parts.minute };
    }
    function clock(h, m) {
      if (state.clock === "24") return pad(h) + ":" + pad(m);
      return (h % 12 || 12) + ":" + pad(m) + " " + (h < 12 ? t.am : t.pm);
    }
    function weekday(y, mo, day) { return (new Date(Date.UTC(y, mo - 1, day)).getUTCDay() + 6) % 7; }
    function longDate(iso) {
      var p = iso.split("-").map(Number);
      return fill(t.long, { weekday: t.days[weekday(p[0], p[1], p[2])], month: t.months[p[1] - 1], day: p[2], year: p[0] });
    }
    function shift(month, by) {
      var p = month.split("-").map(Number), i = p[0] * 12 + p[1] - 1 + by;
      return Math.floor(i / 12) + "-" + pad(i % 12 + 1);
    }
    function url(changes) {
      var u = new URL(location.href);
      Object.keys(changes).forEach(function (k) {
        if (changes[k] == null) u.searchParams.delete(k); else u.searchParams.set(k, changes[k]);
      });
      return u.pathname + u.search;
    }
    function bookUrl(iso) {
      var q = new URLSearchParams(c.carry);
      q.set("start", iso); q.set("timezone", state.zone); q.set("clock", state.clock);
      return c.book + "?" + q.toString();
    }
    function load(month) {
      var key = state.zone + "|" + month;
      if (months[key]) return Promise.resolve(months[key]);
      var p = month.split("-").map(Number);
      var start = new Date(Date.UTC(p[0], p[1] - 1, 1) - 864e5).toISOString().slice(0, 19) + "Z";
      var end = new Date(Date.UTC(p[0], p[1], 1) + 864e5).toISOString().slice(0, 19) + "Z";
      /* The owner's public API (or a one-off link's), whoever's page this is. */
      var api = c.slots + "?start=" + start + "&end=" + end + "&timezone=" + encodeURIComponent(state.zone);
      /* The visitor's own hold is not busy for them (holds contract). */
      var hold = new URLSearchParams(c.carry).get("hold");
      if (hold) api += "&hold=" + encodeURIComponent(hold);
      return fetch(api).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      }).then(function (answer) {
        var list = [];
        answer.days.forEach(function (day) {
          day.slots.forEach(function (s) { list.push([s.start, s.seats_left == null ? null : s.seats_left]); });
        });
        months[key] = list;
        return list;
      });
    }
    function render(starts) {
      var byDate = {}, order = [];
      starts.forEach(function (s) {
        var l = local(s[0], state.zone);
        if (l.date.slice(0, 7) !== state.month) return;
        if (!byDate[l.date]) { byDate[l.date] = []; order.push(l.date); }
        byDate[l.date].push([s[0], s[1], l]);
      });
      if (!state.date || state.date.slice(0, 7) !== state.month || !byDate[state.date]) state.date = order[0] || null;
      var p = state.month.split("-").map(Number);
      var html = '<div class="pick"><div><div class="month-nav">';
      var prev = shift(state.month, -1), next = shift(state.month, 1);
      html += prev < c.first ? '<span class="off" aria-hidden="true">&#8249;</span>'
        : '<a href="' + esc(url({ month: prev, date: null })) + '" data-month="' + prev + '" aria-label="' + esc(t.prev) + '">&#8249;</a>';
      html += '<h3 id="kz-month" aria-live="polite">' + esc(fill(t.monthYear, { month: t.months[p[1] - 1], year: p[0] })) + "</h3>";
      html += next > c.last ? '<span class="off" aria-hidden="true">&#8250;</span>'
        : '<a href="' + esc(url({ month: next, date: null })) + '" data-month="' + next + '" aria-label="' + esc(t.next) + '">&#8250;</a>';
      html += '</div><table class="month"><thead><tr>';
      for (var w = 0; w < 7; w++) html += '<th scope="col" abbr="' + esc(t.days[w]) + '">' + esc(t.short[w]) + "</th>";
      html += "</tr></thead><tbody><tr>";
      var first = weekday(p[0], p[1], 1), count = new Date(Date.UTC(p[0], p[1], 0)).getUTCDate();
      for (var b = 0; b < first; b++) html += "<td></td>";
      for (var day = 1; day <= count; day++) {
        var iso = state.month + "-" + pad(day);
        if (day > 1 && (first + day - 1) % 7 === 0) html += "</tr><tr>";
        if (byDate[iso]) {
          var current = iso === state.date;
          html += '<td><a href="' + esc(url({ month: state.month, date: iso })) + '" data-date="' + iso + '" aria-label="' +
            esc(longDate(iso) + ", " + (current ? t.selected : t.hasTimes)) + '"' + (current ? ' aria-current="date"' : "") + ">" + day + "</a></td>";
        } else {
          html += "<td><span>" + day + "</span></td>";
        }
      }
      html += "</tr></tbody></table>";
      if (!order.length) html += '<p class="muted">' + esc(fill(t.noMonth, { month: t.months[p[1] - 1] })) + "</p>";
      html += "</div><div>";
      if (state.date) {
        html += '<h3 id="kz-day" tabindex="-1">' + esc(fill(t.timesFor, { date: longDate(state.date) })) + '</h3><ul class="times">';
        byDate[state.date].forEach(function (s) {
          var seats = s[1] == null ? "" : "<small>" + esc(s[1] === 1 ? t.seatsOne : fill(t.seats, { n: s[1] })) + "</small>";
          html += '<li><a href="' + esc(bookUrl(s[0])) + '" data-start="' + esc(s[0]) + '">' + esc(clock(s[2].h, s[2].m)) + seats + "</a></li>";
        });
        html += "</ul>";
      } else {
        html += '<p class="muted">' + esc(t.pickDay) + "</p>";
      }
      html += "</div></div>";
      body.innerHTML = html;
      body.setAttribute("aria-busy", "false");
    }
    function show(focus) {
      body.setAttribute("aria-busy", "true");
      return load(state.month).then(function (starts) {
        render(starts);
        history.replaceState(null, "", url({ month: state.month, date: state.date, timezone: state.zone, clock: state.clock }));
        var note = d.getElementById("kz-zone-note");
        if (note) note.textContent = fill(t.shown, { zone: state.zone });
        if (focus) { var f = d.getElementById(focus); if (f) f.focus(); }
      }, function () { location.href = url({ month: state.month, date: null, timezone: state.zone, clock: state.clock }); });
    }

    body.addEventListener("click", function (e) {
      var a = e.target.closest("a");
      if (!a || e.ctrlKey || e.metaKey || e.shiftKey) return;
      if (a.dataset.month) {
        e.preventDefault(); state.month = a.dataset.month; state.date = null; show("kz-month");
      } else if (a.dataset.date) {
        e.preventDefault(); state.date = a.dataset.date; show("kz-day");
        fire("kairos:date_selected", { date: state.date });
      } else if (a.dataset.start) {
        var end = new Date(new Date(a.dataset.start).getTime() + c.minutes * 6e4).toISOString().replace(".000Z", "Z");
        fire("kairos:time_selected", { start: a.dataset.start, end: end });
        if (c.holds) { e.preventDefault(); hold(a.dataset.start, a.href); }
      }
    });
    /* Hold the chosen time for this visitor while they fill in the form
       (holds contract); the form then finds it free for them alone. A
       refused hold (taken meanwhile, or 429: this visitor keeps too many
       holds) still opens the form, without a hold; the form's own check
       shows the nearest free times if the time is gone. */
    function hold(start, target) {
      var mine = new URLSearchParams(c.carry).get("hold");
      var body = { start: start };
      if (mine) body.hold = mine;
      fetch(c.holds, {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body)
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (held) {
        var u = new URL(target, location.href);
        if (held && held.hold) u.searchParams.set("hold", held.hold);
        location.href = u.pathname + u.search;
      }, function () { location.href = target; });
    }
    var form = d.getElementById("kz-zone");
    if (form) form.addEventListener("submit", function (e) {
      var zone = form.elements.timezone.value.trim();
      if (!valid(zone)) return; /* the server says what is wrong */
      e.preventDefault(); state.zone = zone; show();
    });
    var clocks = d.getElementById("kz-clock");
    if (clocks) clocks.addEventListener("click", function (e) {
      var a = e.target.closest("a[data-clock]");
      if (!a) return;
      e.preventDefault(); state.clock = a.dataset.clock;
      Array.prototype.forEach.call(clocks.querySelectorAll("[data-clock]"), function (x) {
        if (x.dataset.clock === state.clock) x.setAttribute("aria-current", "true"); else x.removeAttribute("aria-current");
      });
      show();
    });
    if (!c.zoneChosen) {
      var mine = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (mine && mine !== state.zone && valid(mine)) {
        state.zone = mine;
        if (form) form.elements.timezone.value = mine;
        /* Same month's times, regrouped in the invitee's zone: the page
           carries a day either side of the month, so no request is needed. */
        months[mine + "|" + state.month] = c.starts;
        show();
      }
    }
  }

  /* After DOMContentLoaded: every deferred script (the embed relay too)
     is listening by then. */
  if (d.readyState === "complete") init(); else d.addEventListener("DOMContentLoaded", init);
})();
