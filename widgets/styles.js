// The widget's look, inside its shadow root. Sites theme it through these
// custom properties (set them on `kairos-booking`) and through `::part(…)`:
// container, header, title, calendar, month, nav, day, time, zone, form,
// field, label, input, error, button, primary, confirmation, status.
export const css = `
:host {
  --_accent: var(--kairos-accent, #0b5cad);
  --_accent-text: var(--kairos-accent-text, #ffffff);
  --_bg: var(--kairos-background, #ffffff);
  --_text: var(--kairos-text, #1b1f24);
  --_muted: var(--kairos-muted, #57606a);
  --_border: var(--kairos-border, #c9d1d9);
  --_soft: var(--kairos-soft, #eef4fb);
  --_error: var(--kairos-error, #b42318);
  --_focus: var(--kairos-focus, #1a73e8);
  --_radius: var(--kairos-radius, 8px);
  display: block;
  font-family: var(--kairos-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  color: var(--_text);
  line-height: 1.45;
  max-width: var(--kairos-max-width, 960px);
}
@media (prefers-color-scheme: dark) {
  :host(:not([theme="light"])) {
    --_accent: var(--kairos-accent, #6cb4ff);
    --_accent-text: var(--kairos-accent-text, #0d1117);
    --_bg: var(--kairos-background, #161b22);
    --_text: var(--kairos-text, #e6edf3);
    --_muted: var(--kairos-muted, #a8b3bf);
    --_border: var(--kairos-border, #3d444d);
    --_soft: var(--kairos-soft, #1f2a37);
    --_error: var(--kairos-error, #ff8b80);
    --_focus: var(--kairos-focus, #79c0ff);
  }
}
:host([theme="dark"]) {
  --_accent: var(--kairos-accent, #6cb4ff);
  --_accent-text: var(--kairos-accent-text, #0d1117);
  --_bg: var(--kairos-background, #161b22);
  --_text: var(--kairos-text, #e6edf3);
  --_muted: var(--kairos-muted, #a8b3bf);
  --_border: var(--kairos-border, #3d444d);
  --_soft: var(--kairos-soft, #1f2a37);
  --_error: var(--kairos-error, #ff8b80);
  --_focus: var(--kairos-focus, #79c0ff);
}
[hidden] { display: none !important; }
* { box-sizing: border-box; }
.container {
  background: var(--_bg);
  border: 1px solid var(--_border);
  border-radius: var(--_radius);
  padding: 20px;
}
h2, h3 { margin: 0 0 4px; line-height: 1.25; }
h2 { font-size: 1.35rem; }
h3 { font-size: 1.05rem; }
p { margin: 0 0 8px; }
.muted { color: var(--_muted); }
.header { margin-bottom: 16px; }
.meta { display: flex; flex-wrap: wrap; gap: 4px 16px; color: var(--_muted); font-size: 0.95rem; }
.layout { display: grid; grid-template-columns: minmax(0, 1.2fr) minmax(0, 1fr); gap: 24px; }
@media (max-width: 640px) { .layout { grid-template-columns: 1fr; } .container { padding: 14px; } }
:host([compact]) .layout { grid-template-columns: 1fr; }
.monthbar { display: flex; align-items: center; justify-content: space-between; margin-bottom: 8px; }
.monthbar h3 { font-size: 1.05rem; }
button, input, select, textarea { font: inherit; color: inherit; }
button { cursor: pointer; }
button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, a:focus-visible {
  outline: 3px solid var(--_focus);
  outline-offset: 2px;
}
.nav {
  min-width: 44px; min-height: 44px;
  border: 1px solid var(--_border); border-radius: var(--_radius);
  background: var(--_bg);
}
.nav:disabled { opacity: 0.45; cursor: not-allowed; }
table.calendar { width: 100%; border-collapse: collapse; table-layout: fixed; }
.calendar th { font-size: 0.8rem; font-weight: 600; color: var(--_muted); padding: 4px 0; text-align: center; }
.calendar td { padding: 2px; text-align: center; }
.day {
  width: 100%; min-height: 44px; aspect-ratio: 1 / 1; max-height: 56px;
  border: 0; border-radius: 50%;
  background: transparent; color: var(--_muted);
}
.day.available { background: var(--_soft); color: var(--_accent); font-weight: 700; }
.day.available:hover { outline: 2px solid var(--_accent); }
.day[aria-pressed="true"] { background: var(--_accent); color: var(--_accent-text); }
.day:disabled { cursor: default; }
.day.today { text-decoration: underline; text-underline-offset: 3px; }
.zone { margin-top: 12px; display: grid; gap: 4px; }
.zone select { max-width: 100%; padding: 8px; border: 1px solid var(--_border); border-radius: var(--_radius); background: var(--_bg); }
.clock { display: flex; align-items: center; gap: 6px; margin-top: 6px; }
.times { list-style: none; margin: 8px 0 0; padding: 0; display: grid; gap: 8px; max-height: 420px; overflow-y: auto; }
.time {
  width: 100%; min-height: 44px; padding: 8px;
  border: 1px solid var(--_accent); border-radius: var(--_radius);
  background: var(--_bg); color: var(--_accent); font-weight: 600;
}
.time:hover { background: var(--_soft); }
.time .seats { display: block; font-weight: 400; font-size: 0.85rem; color: var(--_muted); }
.empty { color: var(--_muted); }
form { display: grid; gap: 14px; max-width: 560px; }
.field { display: grid; gap: 4px; }
fieldset { border: 0; padding: 0; margin: 0; display: grid; gap: 6px; }
legend { padding: 0; margin-bottom: 4px; }
label, legend { font-weight: 600; }
.check { display: flex; align-items: flex-start; gap: 8px; }
.check label { font-weight: 400; }
.check input { width: 20px; height: 20px; margin-top: 2px; flex: none; }
.options { display: grid; gap: 6px; }
input[type="text"], input[type="email"], input[type="tel"], select, textarea {
  width: 100%; padding: 10px; min-height: 44px;
  border: 1px solid var(--_border); border-radius: var(--_radius); background: var(--_bg);
}
[aria-invalid="true"] { border-color: var(--_error); border-width: 2px; }
.required { color: var(--_error); }
.error { color: var(--_error); font-weight: 600; margin: 0; }
.error::before { content: "⚠ "; }
.notice {
  border-left: 4px solid var(--_accent); background: var(--_soft);
  padding: 10px 12px; border-radius: 4px; margin-bottom: 12px;
}
.notice.problem { border-left-color: var(--_error); }
.actions { display: flex; gap: 10px; flex-wrap: wrap; align-items: center; }
.button {
  min-height: 44px; padding: 10px 18px;
  border: 1px solid var(--_border); border-radius: var(--_radius); background: var(--_bg);
}
.primary { background: var(--_accent); color: var(--_accent-text); border-color: var(--_accent); font-weight: 700; }
.primary[aria-busy="true"] { opacity: 0.7; cursor: progress; }
.summary { font-weight: 600; }
.confirmation h2 { color: var(--_text); }
.confirmation a { color: var(--_accent); font-weight: 600; }
.visually-hidden {
  position: absolute !important; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap;
}
`;
