// Included by Kairos's booking pages when they are embedded (`?embed=1`):
// relays the page's events (kairos:ready, kairos:date_selected,
// kairos:time_selected, kairos:booked, dispatched on `document`) and the
// page's height to the embedding page, which embed.js created.
//
// Messages go only to the parent origin embed.js gave (`embed_origin` in
// the URL, and the frame's name, which the next pages of the flow keep),
// and only when the browser agrees that is who frames us; messages are
// accepted only from the parent window at that origin.
(function () {
  "use strict";
  if (window.parent === window) return;

  var KEY = "kairos:embed_origin";
  var ORIGIN = /^https?:\/\/[^\/?#\s]+$/;

  // Given by embed.js: in the first page's URL, then in the frame's name
  // (kept across this frame's navigations), then in this tab's storage.
  var given = null;
  try {
    given = new URLSearchParams(location.search).get("embed_origin");
  } catch (_) {
    given = null;
  }
  var NAME = "kairos-embed ";
  if (!given && typeof window.name === "string" && window.name.indexOf(NAME) === 0) {
    given = window.name.slice(NAME.length);
  }
  try {
    if (given) sessionStorage.setItem(KEY, given);
    else given = sessionStorage.getItem(KEY);
  } catch (_) {
    // Storage refused (third-party storage blocked): the rest must do.
  }
  // "null" (a file: page, a sandboxed frame) cannot be addressed safely.
  if (!given || !ORIGIN.test(given)) return;
  var parentOrigin = given;
  var ancestors = location.ancestorOrigins;
  if (ancestors && ancestors.length && ancestors[0] !== parentOrigin) return;

  function post(type, detail) {
    window.parent.postMessage({ kairos: 1, type: type, detail: detail || {} }, parentOrigin);
  }

  function text(value) {
    return value === undefined || value === null ? null : String(value);
  }

  // Only the fields of the contract travel, as strings.
  var FIELDS = {
    ready: ["user", "event"],
    date_selected: ["date"],
    time_selected: ["start", "end"],
    booked: ["uid", "start", "end", "event_type", "invitee_email"],
  };
  Object.keys(FIELDS).forEach(function (type) {
    document.addEventListener("kairos:" + type, function (event) {
      var source = event.detail || {};
      var detail = {};
      FIELDS[type].forEach(function (field) {
        detail[field] = text(source[field]);
      });
      post(type, detail);
    });
  });

  var sent = 0;
  function height() {
    var body = document.body;
    if (!body) return 0;
    var style = getComputedStyle(body);
    var margins = parseFloat(style.marginTop) + parseFloat(style.marginBottom);
    return Math.ceil(Math.max(body.scrollHeight, body.getBoundingClientRect().height) + margins);
  }
  var scheduled = false;
  function measure(force) {
    if (scheduled && !force) return;
    scheduled = true;
    requestAnimationFrame(function () {
      scheduled = false;
      var now = height();
      if (now && (force || Math.abs(now - sent) > 1)) {
        sent = now;
        post("resize", { height: now });
      }
    });
  }

  // Escape inside the frame closes a popup: the key never reaches the parent.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") post("escape", {});
  });

  // The parent may ask for the height again (after showing a hidden popup).
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== parentOrigin) return;
    var data = event.data;
    if (data && data.kairos === 1 && data.type === "measure") measure(true);
  });

  function start() {
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        measure(false);
      }).observe(document.body);
    } else {
      window.addEventListener("resize", function () {
        measure(false);
      });
      setInterval(function () {
        measure(false);
      }, 500);
    }
    measure(true);
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
