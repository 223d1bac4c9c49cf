/*
 * Kairos embeds: one script tag, then booking pages inline, in a popup from
 * any element, behind a floating button or a text link.
 *
 *   <script src="https://kairos.example/embed/embed.js" async></script>
 *   <div data-kairos-inline="ana/intro"></div>
 *   <button data-kairos-popup="ana/intro">Book a call</button>
 *
 * A floating button from the script tag itself: data-kairos-button="ana/intro"
 * with data-kairos-text, data-kairos-color, data-kairos-text-color,
 * data-kairos-position (bottom-right, bottom-left).
 *
 * JS API (calls made before the script loads wait in a queue):
 *   <script>window.Kairos=window.Kairos||function(){(Kairos.q=Kairos.q||[]).push(arguments)}</script>
 *   Kairos("inline", {element: "#book", url: "ana/intro", prefill: {name, email, answers}, utm: {source}})
 *   Kairos("popup", {url: "ana/intro"})            opens now
 *   Kairos("button", {url, text, color, textColor, position})
 *   Kairos("link", {element, url, text})          a text link that opens the popup
 *   Kairos("close")                                closes the open popup
 *
 * Prefill and UTM: the options (or data-kairos-name, -email, -answer-<id>,
 * -utm-<key> attributes) first; what they leave out comes from this page's
 * URL (name, email, utm_*). The booking page also learns this page's URL.
 *
 * Events, as DOM CustomEvents on the embed's element (bubbling to document):
 * kairos:ready, kairos:date_selected, kairos:time_selected, kairos:booked
 * {uid, start, end, event_type, invitee_email}. Messages are accepted only
 * from the Kairos origin this script came from and only from our iframes.
 */
(function () {
  "use strict";

  var script = document.currentScript ||
    Array.prototype.slice.call(document.querySelectorAll("script[src]")).filter(function (s) {
      return /\/embed\/embed\.js(\?|$)/.test(s.src);
    })[0];
  if (!script) return;
  var ORIGIN = new URL(script.src, location.href).origin;
  var EVENTS = ["ready", "date_selected", "time_selected", "booked"];
  var UTM = ["source", "medium", "campaign", "term", "content"];
  var SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
  var embeds = [];
  var done = typeof WeakSet === "function" ? new WeakSet() : null;
  var openPopup = null;

  function clip(value, length) {
    return String(value).replace(/[\r\n\t]+/g, " ").slice(0, length || 500);
  }

  function warn(message) {
    if (window.console) console.error("Kairos embed: " + message);
  }

  /** "ana/intro", "/ana/intro" or a full URL on the Kairos origin → "ana/intro". */
  function pagePath(url) {
    if (!url) return null;
    var path = String(url);
    if (/^https?:/i.test(path)) {
      var parsed = new URL(path);
      if (parsed.origin !== ORIGIN) {
        warn(path + " is not on " + ORIGIN + ", where this script comes from");
        return null;
      }
      path = parsed.pathname;
    }
    var parts = path.replace(/^\/+|\/+$/g, "").split("/");
    if (parts.length !== 2 || !SLUG.test(parts[0]) || !SLUG.test(parts[1])) {
      warn(JSON.stringify(url) + " is not a booking page: write it as user/event, like ana/intro");
      return null;
    }
    return parts[0] + "/" + parts[1];
  }

  /** Options from an element's data-kairos-* attributes. */
  function fromAttributes(el) {
    var options = { prefill: { answers: {} }, utm: {} };
    Array.prototype.forEach.call(el.attributes, function (attribute) {
      var name = attribute.name;
      if (name.indexOf("data-kairos-answer-") === 0) {
        options.prefill.answers[name.slice(19)] = attribute.value;
      } else if (name.indexOf("data-kairos-utm-") === 0) {
        options.utm[name.slice(16)] = attribute.value;
      } else if (name === "data-kairos-name" || name === "data-kairos-email") {
        options.prefill[name.slice(12)] = attribute.value;
      } else if (name === "data-kairos-title" || name === "data-kairos-timezone" ||
        name === "data-kairos-lang" || name === "data-kairos-text" || name === "data-kairos-color" ||
        name === "data-kairos-position") {
        options[name.slice(12)] = attribute.value;
      } else if (name === "data-kairos-text-color") {
        options.textColor = attribute.value;
      }
    });
    return options;
  }

  /** The booking page's URL for `options`, embed parameters included. */
  function frameUrl(path, options) {
    var here = new URLSearchParams(location.search);
    var params = new URLSearchParams();
    params.set("embed", "1");
    if (location.origin && location.origin !== "null") params.set("embed_origin", location.origin);
    params.set("embed_url", clip(location.href.split("#")[0], 1000));
    var prefill = options.prefill || {};
    ["name", "email"].forEach(function (key) {
      var value = prefill[key] || here.get(key);
      if (value) params.set(key, clip(value, 200));
    });
    var answers = prefill.answers || {};
    Object.keys(answers).forEach(function (id) {
      if (!SLUG.test(id)) return;
      var value = answers[id];
      (Array.isArray(value) ? value : [value]).forEach(function (v) {
        if (v !== undefined && v !== null && v !== "") params.append(id, clip(v, 1000));
      });
    });
    var utm = options.utm || {};
    UTM.forEach(function (key) {
      var value = utm[key] || here.get("utm_" + key);
      if (value) params.set("utm_" + key, clip(value));
    });
    if (options.timezone) params.set("timezone", clip(options.timezone, 64));
    if (options.lang) params.set("lang", clip(options.lang, 35));
    return ORIGIN + "/" + path + "?" + params.toString();
  }

  function frame(path, options) {
    var iframe = document.createElement("iframe");
    iframe.src = frameUrl(path, options);
    iframe.title = options.title || "Book a time";
    iframe.setAttribute("allow", "clipboard-write");
    iframe.className = "kairos-frame";
    // Our origin again as the frame's name: it outlives the frame's own
    // navigations (form posts, redirects), where the URL parameter is lost
    // and third-party storage may be refused.
    if (location.origin && location.origin !== "null") iframe.name = "kairos-embed " + location.origin;
    iframe.addEventListener("load", function () {
      // Ask for the height again: the page may have measured before we listened.
      if (iframe.contentWindow) iframe.contentWindow.postMessage({ kairos: 1, type: "measure" }, ORIGIN);
    });
    return iframe;
  }

  function styles() {
    if (document.getElementById("kairos-embed-style")) return;
    var style = document.createElement("style");
    style.id = "kairos-embed-style";
    style.textContent = [
      ".kairos-frame{display:block;width:100%;min-width:280px;border:0;height:700px;color-scheme:normal}",
      ".kairos-inline .kairos-frame{transition:height .15s ease}",
      "dialog.kairos-popup{padding:0;border:0;border-radius:12px;width:min(1000px,calc(100vw - 32px));",
      "height:min(820px,calc(100vh - 32px));max-width:none;max-height:none;overflow:hidden;background:#fff;",
      "box-shadow:0 12px 48px rgba(0,0,0,.35)}",
      "dialog.kairos-popup::backdrop{background:rgba(15,20,25,.6)}",
      "dialog.kairos-popup .kairos-frame{height:100%}",
      ".kairos-close{position:absolute;top:8px;right:8px;z-index:1;width:44px;height:44px;border-radius:50%;",
      "border:1px solid #c9d1d9;background:#fff;color:#1b1f24;font:600 24px/1 system-ui,sans-serif;cursor:pointer}",
      ".kairos-close:focus-visible,.kairos-float:focus-visible{outline:3px solid #1a73e8;outline-offset:2px}",
      "@media (max-width:640px){dialog.kairos-popup{width:100vw;height:100vh;border-radius:0}}",
      ".kairos-float{position:fixed;bottom:20px;z-index:2147483000;min-height:48px;padding:12px 22px;border:0;",
      "border-radius:999px;font:600 16px/1.2 system-ui,sans-serif;box-shadow:0 4px 16px rgba(0,0,0,.25);cursor:pointer}",
    ].join("");
    (document.head || document.documentElement).appendChild(style);
  }

  function emit(target, type, detail) {
    var el = target && target.isConnected ? target : document;
    var event;
    try {
      event = new CustomEvent("kairos:" + type, { detail: detail, bubbles: true, composed: true });
    } catch (_) {
      event = document.createEvent("CustomEvent");
      event.initCustomEvent("kairos:" + type, true, false, detail);
    }
    el.dispatchEvent(event);
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== ORIGIN) return;
    var data = event.data;
    if (!data || data.kairos !== 1 || typeof data.type !== "string") return;
    var embed = null;
    for (var i = 0; i < embeds.length; i++) {
      if (embeds[i].iframe.contentWindow === event.source) embed = embeds[i];
    }
    if (!embed) return;
    var detail = {};
    var source = data.detail && typeof data.detail === "object" ? data.detail : {};
    Object.keys(source).forEach(function (key) {
      var value = source[key];
      if (value === null || typeof value === "string" || typeof value === "number") detail[key] = value;
    });
    if (data.type === "resize") {
      var height = Number(detail.height);
      if (embed.kind === "inline" && height > 0) {
        embed.iframe.style.height = Math.min(Math.max(Math.ceil(height), 200), 10000) + "px";
      }
    } else if (data.type === "escape") {
      if (embed.kind === "popup") embed.close();
    } else if (EVENTS.indexOf(data.type) >= 0) {
      emit(embed.target, data.type, detail);
    }
  });

  function inline(options) {
    var element = typeof options.element === "string" ? document.querySelector(options.element) : options.element;
    if (!element) return warn("inline: no element " + options.element), null;
    var path = pagePath(options.url);
    if (!path) return null;
    styles();
    var iframe = frame(path, options);
    element.classList.add("kairos-inline");
    element.replaceChildren ? element.replaceChildren(iframe) : (element.innerHTML = "", element.appendChild(iframe));
    var embed = { kind: "inline", iframe: iframe, target: element };
    embeds.push(embed);
    return { element: element, iframe: iframe };
  }

  function popup(options, trigger) {
    var path = pagePath(options.url);
    if (!path) return null;
    if (openPopup) openPopup.close();
    styles();
    var returnTo = trigger || document.activeElement;
    var dialog = document.createElement("dialog");
    dialog.className = "kairos-popup";
    dialog.setAttribute("aria-label", options.title || "Book a time");
    var close = document.createElement("button");
    close.type = "button";
    close.className = "kairos-close";
    close.setAttribute("aria-label", "Close");
    close.textContent = "\u00d7";
    var iframe = frame(path, options);
    dialog.appendChild(close);
    dialog.appendChild(iframe);
    document.body.appendChild(dialog);
    var embed = {
      kind: "popup",
      iframe: iframe,
      target: trigger || document,
      close: function () {
        if (openPopup !== embed) return;
        openPopup = null;
        embeds.splice(embeds.indexOf(embed), 1);
        if (dialog.open) dialog.close();
        dialog.remove();
        if (returnTo && returnTo.focus && returnTo.isConnected) returnTo.focus();
        emit(embed.target, "closed", {});
      },
    };
    embeds.push(embed);
    openPopup = embed;
    close.addEventListener("click", embed.close);
    // Escape while focus is on our side (inside the frame, frame.js tells us).
    dialog.addEventListener("cancel", function (event) {
      event.preventDefault();
      embed.close();
    });
    // A click on the backdrop (the dialog box itself, outside its content).
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) embed.close();
    });
    if (dialog.showModal) dialog.showModal();
    else dialog.setAttribute("open", "");
    close.focus();
    return { close: embed.close, iframe: iframe, dialog: dialog };
  }

  function trigger(element, options) {
    if (done) {
      if (done.has(element)) return;
      done.add(element);
    }
    var native = element.tagName === "BUTTON" || (element.tagName === "A" && element.hasAttribute("href"));
    if (!native) {
      element.setAttribute("role", "button");
      if (!element.hasAttribute("tabindex")) element.setAttribute("tabindex", "0");
      element.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          popup(options, element);
        }
      });
    }
    element.setAttribute("aria-haspopup", "dialog");
    element.addEventListener("click", function (event) {
      // Modified clicks on a link open the page itself (new tab…).
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      popup(options, element);
    });
  }

  /** A readable text colour on `background` (#rgb or #rrggbb). */
  function contrastText(background) {
    var hex = String(background || "").replace("#", "");
    if (hex.length === 3) hex = hex.replace(/(.)/g, "$1$1");
    if (!/^[0-9a-f]{6}$/i.test(hex)) return "#ffffff";
    var channel = function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    };
    var luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
    return luminance > 0.179 ? "#111111" : "#ffffff";
  }

  function button(options) {
    if (!pagePath(options.url)) return null;
    styles();
    var el = document.createElement("button");
    el.type = "button";
    el.className = "kairos-float";
    el.textContent = options.text || "Book a time";
    var colour = options.color || "#0b5cad";
    el.style.background = colour;
    el.style.color = options.textColor || contrastText(colour);
    if (options.position === "bottom-left") el.style.left = "20px";
    else el.style.right = "20px";
    document.body.appendChild(el);
    trigger(el, options);
    return el;
  }

  function link(options) {
    var path = pagePath(options.url);
    if (!path) return null;
    var container = typeof options.element === "string" ? document.querySelector(options.element) : options.element;
    var a = document.createElement("a");
    a.href = ORIGIN + "/" + path;
    a.className = "kairos-link";
    a.textContent = options.text || "Book a time";
    (container || document.body).appendChild(a);
    trigger(a, options);
    return a;
  }

  function merge(base, extra) {
    var out = {};
    [base, extra].forEach(function (source) {
      Object.keys(source || {}).forEach(function (key) {
        out[key] = source[key];
      });
    });
    return out;
  }

  function scan(root) {
    var scope = root.querySelectorAll ? root : document;
    Array.prototype.forEach.call(scope.querySelectorAll("[data-kairos-inline]"), function (el) {
      if (done && done.has(el)) return;
      if (done) done.add(el);
      inline(merge(fromAttributes(el), { element: el, url: el.getAttribute("data-kairos-inline") }));
    });
    Array.prototype.forEach.call(scope.querySelectorAll("[data-kairos-popup]"), function (el) {
      trigger(el, merge(fromAttributes(el), { url: el.getAttribute("data-kairos-popup") }));
    });
  }

  var api = function (command, options) {
    options = options || {};
    switch (command) {
      case "inline":
        return inline(options);
      case "popup":
        return popup(options, options.trigger || null);
      case "button":
        return button(options);
      case "link":
        return link(options);
      case "close":
        if (openPopup) openPopup.close();
        return null;
      default:
        warn("unknown command " + JSON.stringify(command));
        return null;
    }
  };

  function start() {
    scan(document);
    if (script.hasAttribute("data-kairos-button")) {
      button(merge(fromAttributes(script), { url: script.getAttribute("data-kairos-button") }));
    }
    var queued = window.Kairos && window.Kairos.q ? window.Kairos.q : [];
    window.Kairos = api;
    api.origin = ORIGIN;
    for (var i = 0; i < queued.length; i++) api.apply(null, queued[i]);
    if (window.MutationObserver) {
      // Elements a single-page app adds later.
      new MutationObserver(function (records) {
        records.forEach(function (record) {
          Array.prototype.forEach.call(record.addedNodes, function (node) {
            if (node.nodeType !== 1) return;
            if (node.matches && (node.matches("[data-kairos-inline]") || node.matches("[data-kairos-popup]"))) {
              scan(node.parentNode || document);
            } else {
              scan(node);
            }
          });
        });
      }).observe(document.documentElement, { childList: true, subtree: true });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
