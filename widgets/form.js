// The intake form: the invitee's name and email, then one field per
// question of the event type (every kind the API has), prefilled, checked in
// the browser for what can be (required, email), and showing the API's
// verdict beside the field it names (problem+json `field`).

let counter = 0;

function el(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

/**
 * One field's wrapper: label, control(s), hint and error slot. `field` is
 * the API's name for it (`invitee.name`, `answers.company`).
 */
function fieldBox(field, label, required, control, { group = false } = {}) {
  const id = `k${++counter}`;
  const errorId = `${id}-error`;
  const box = el("div", { class: "field", part: "field", "data-field": field });
  const mark = required ? el("span", { class: "required", "aria-hidden": "true", text: " *" }) : null;
  if (group) {
    // A group of checkboxes: a fieldset, its legend the label.
    const fieldset = el("fieldset", { "aria-describedby": errorId }, [
      el("legend", { part: "label" }, [label, mark]),
      control,
    ]);
    box.append(fieldset);
  } else {
    control.id = id;
    control.setAttribute("aria-describedby", errorId);
    if (required) control.setAttribute("aria-required", "true");
    if (control.type === "checkbox") {
      box.append(el("div", { class: "check" }, [control, el("label", { for: id, part: "label" }, [label, mark])]));
    } else {
      box.append(el("label", { for: id, part: "label" }, [label, mark]), control);
    }
  }
  box.append(el("p", { class: "error", part: "error", id: errorId, hidden: true }));
  return box;
}

function input(type, name, value, extra = {}) {
  return el("input", { type, name, value: value ?? "", part: "input", ...extra });
}

/**
 * The form's fields for `questions`, prefilled from `prefill`
 * ({name, email, answers}).
 */
export function fields(questions, prefill = {}) {
  const answers = prefill.answers || {};
  const out = [
    fieldBox("invitee.name", "Your name", true,
      input("text", "invitee.name", prefill.name, { autocomplete: "name", required: true, maxlength: "200" })),
    fieldBox("invitee.email", "Email", true,
      input("email", "invitee.email", prefill.email, { autocomplete: "email", required: true })),
  ];
  for (const q of questions) {
    const field = `answers.${q.id}`;
    const given = answers[q.id];
    const required = Boolean(q.required);
    let control;
    switch (q.kind) {
      case "long_text":
        control = el("textarea", { name: field, rows: "4", part: "input", required });
        control.value = given ?? "";
        break;
      case "email":
        control = input("email", field, given, { required });
        break;
      case "phone":
        control = input("tel", field, given, { autocomplete: "tel", required });
        break;
      case "select": {
        control = el("select", { name: field, part: "input", required });
        control.append(el("option", { value: "", text: required ? "Choose one" : "(none)" }));
        for (const option of q.options || []) {
          control.append(el("option", { value: option, text: option, selected: option === given }));
        }
        break;
      }
      case "multi_select": {
        const chosen = Array.isArray(given) ? given : given ? String(given).split(",") : [];
        const list = el("div", { class: "options" });
        for (const option of q.options || []) {
          const id = `k${++counter}`;
          list.append(el("div", { class: "check" }, [
            el("input", { type: "checkbox", id, name: field, value: option, checked: chosen.includes(option), part: "input" }),
            el("label", { for: id, text: option }),
          ]));
        }
        out.push(fieldBox(field, q.label, required, list, { group: true }));
        continue;
      }
      case "checkbox":
        control = el("input", {
          type: "checkbox", name: field, part: "input", required,
          checked: given === true || given === "true" || given === "on" || given === "1",
        });
        break;
      default: // text
        control = input("text", field, given, { required, maxlength: "1000" });
    }
    out.push(fieldBox(field, q.label, required, control));
  }
  return out;
}

/** {invitee: {name, email}, answers} from the form, in the API's shapes. */
export function read(form, questions) {
  const value = (name) => {
    const control = form.querySelector(`[name="${CSS.escape(name)}"]`);
    return control ? control.value.trim() : "";
  };
  const answers = {};
  for (const q of questions) {
    const name = `answers.${q.id}`;
    if (q.kind === "multi_select") {
      const chosen = [...form.querySelectorAll(`[name="${CSS.escape(name)}"]:checked`)].map((c) => c.value);
      if (chosen.length || q.required) answers[q.id] = chosen;
    } else if (q.kind === "checkbox") {
      answers[q.id] = Boolean(form.querySelector(`[name="${CSS.escape(name)}"]`)?.checked);
    } else {
      const text = value(name);
      if (text !== "") answers[q.id] = text;
    }
  }
  return { invitee: { name: value("invitee.name"), email: value("invitee.email") }, answers };
}

/** What the browser can tell before asking the API: field → message. */
export function check(form, questions) {
  const errors = {};
  const { invitee, answers } = read(form, questions);
  if (!invitee.name) errors["invitee.name"] = "Please enter your name.";
  if (!invitee.email) errors["invitee.email"] = "Please enter your email address.";
  else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(invitee.email)) {
    errors["invitee.email"] = "Please enter an email address like name@example.com.";
  }
  for (const q of questions) {
    const field = `answers.${q.id}`;
    const answer = answers[q.id];
    if (q.required) {
      const empty = answer === undefined || answer === "" || answer === false ||
        (Array.isArray(answer) && answer.length === 0);
      if (empty) {
        errors[field] = q.kind === "checkbox" ? "Please check this box." :
          q.kind === "select" || q.kind === "multi_select" ? "Please choose an option." : "This field is required.";
        continue;
      }
    }
    if (q.kind === "email" && answer && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(answer)) {
      errors[field] = "Please enter an email address like name@example.com.";
    }
  }
  return errors;
}

/** Clears every message, then shows `errors` beside their fields; the rest
 * (fields the form does not have) come back for a form-level message. */
export function showErrors(form, errors) {
  for (const box of form.querySelectorAll(".field")) {
    const message = box.querySelector(".error");
    message.hidden = true;
    message.textContent = "";
    for (const control of box.querySelectorAll("input, select, textarea, fieldset")) {
      control.removeAttribute("aria-invalid");
    }
  }
  const unplaced = [];
  let first = null;
  for (const [field, text] of Object.entries(errors)) {
    const box = form.querySelector(`.field[data-field="${CSS.escape(field)}"]`);
    if (!box) {
      unplaced.push(text);
      continue;
    }
    const message = box.querySelector(".error");
    message.textContent = text;
    message.hidden = false;
    const controls = box.querySelectorAll("input, select, textarea");
    for (const control of controls) control.setAttribute("aria-invalid", "true");
    first = first || controls[0];
  }
  return { first, unplaced };
}

/** The API's messages are terse ("is required"): say them as a sentence. */
export function sentence(detail) {
  const text = String(detail || "").trim();
  if (!text) return "Please check this field.";
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
