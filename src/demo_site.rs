//! The demo's stand-in for a company website: a page served from another
//! origin (its own port) that embeds the demo's booking pages every way a
//! site can (inline, popup, floating button, text link, the
//! `<kairos-booking>` element) and lists the events the page receives.

use crate::html::escape;
use axum::Router;
use axum::response::Html;
use axum::routing::get;

/// Serves the page at `/` until the process ends (the demo's life).
pub async fn serve(listener: tokio::net::TcpListener, base: String) {
    let html = page(&base);
    let app = Router::new().route("/", get(move || async move { Html(html) }));
    if let Err(error) = axum::serve(listener, app).await {
        tracing::warn!(%error, "the demo site stopped");
    }
}

/// The page, with Kairos at `base` (its scripts and booking pages).
pub fn page(base: &str) -> String {
    let raw = base.trim_end_matches('/');
    let snippet = escape(&format!(
        "<script src=\"{raw}/embed/embed.js\" async></script>\n\
         <div data-kairos-inline=\"ana/intro\"></div>"
    ));
    let base = escape(raw);
    format!(
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Consulting – a site embedding Kairos (demo)</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 0; color: #1b1b1f; background: #fafafa; line-height: 1.5; }}
  header, main {{ max-width: 60rem; margin: 0 auto; padding: 1rem; }}
  header {{ border-bottom: 1px solid #ddd; }}
  section {{ background: #fff; border: 1px solid #e3e3e3; border-radius: .6rem; padding: 1rem; margin: 1rem 0; }}
  pre {{ background: #f1f1f4; padding: .8rem; overflow-x: auto; border-radius: .4rem; }}
  button {{ font: inherit; padding: .6rem 1rem; border-radius: .4rem; border: 1px solid #0b5cad; background: #0b5cad; color: #fff; cursor: pointer; }}
  a {{ color: #0b5cad; }}
  #log {{ font-family: ui-monospace, monospace; font-size: .85rem; white-space: pre-wrap; min-height: 3rem; }}
</style>
</head>
<body>
<header>
  <h1>Acme Consulting</h1>
  <p>A page on another site (this demo serves it on its own port, so it is a different origin),
  embedding the booking pages of <a href="{base}">Kairos at {base}</a>.</p>
</header>
<main>
  <section aria-labelledby="inline-h">
    <h2 id="inline-h">Inline: an intro call with Ana</h2>
    <p>One script tag, then an element where the booking page goes:</p>
    <pre><code>{snippet}</code></pre>
    <div data-kairos-inline="ana/intro" data-kairos-utm-source="demo-site" data-kairos-title="Book an intro call with Ana"></div>
  </section>
  <section aria-labelledby="popup-h">
    <h2 id="popup-h">A popup from any element, and a text link</h2>
    <p><button type="button" data-kairos-popup="ana/workshop" data-kairos-title="Book a seat in the workshop">Book a seat in the workshop</button></p>
    <p>Or <a href="{base}/team/acme/sales" data-kairos-popup="ana/sales">talk to our sales team</a> (a round robin).</p>
  </section>
  <section aria-labelledby="widget-h">
    <h2 id="widget-h">The &lt;kairos-booking&gt; element: no frame, themed by this page</h2>
    <kairos-booking user="ana" event="team-demo" style="--kairos-accent: #6a2c91"></kairos-booking>
  </section>
  <section aria-labelledby="log-h">
    <h2 id="log-h">Events this page received</h2>
    <div id="log" role="log" aria-live="polite"></div>
  </section>
</main>
<script>
  ["kairos:ready", "kairos:date_selected", "kairos:time_selected", "kairos:booked", "kairos:closed"].forEach(function (type) {{
    document.addEventListener(type, function (event) {{
      var line = document.createElement("div");
      line.textContent = new Date().toLocaleTimeString() + "  " + type + "  " + JSON.stringify(event.detail || {{}});
      document.getElementById("log").prepend(line);
    }});
  }});
</script>
<script src="{base}/embed/embed.js" async data-kairos-button="ana/team-demo" data-kairos-text="See the product" data-kairos-position="bottom-right"></script>
<script type="module" src="{base}/widgets/kairos-booking.js"></script>
</body>
</html>
"##
    )
}

#[cfg(test)]
mod tests {
    use super::page;

    #[test]
    fn the_page_points_at_kairos_and_escapes_it() {
        let html = page("http://127.0.0.1:8080/");
        assert!(html.contains("<script src=\"http://127.0.0.1:8080/embed/embed.js\" async"));
        assert!(html.contains("src=\"http://127.0.0.1:8080/widgets/kairos-booking.js\""));
        assert!(html.contains("&lt;div data-kairos-inline=&quot;ana/intro&quot;&gt;"));
        let hostile = page("http://x\"><script>alert(1)</script>");
        assert!(!hostile.contains("<script>alert(1)"));
    }
}
