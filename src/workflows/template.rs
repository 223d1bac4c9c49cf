//! Workflow templates: minijinja, sandboxed and bounded.
//!
//! A template is written by an organization's admin but runs inside the
//! server for every booking, so nothing it says may cost more than a known
//! amount: the source is bounded (`MAX_TEMPLATE`), every render has a fuel
//! budget and an output cap, and the language is cut down to what a message
//! needs (variables, `if`, `for`, a few filters). What is left out is what
//! could amplify: assignments (`set`, `with`: a string doubled in a loop),
//! string operators (`~`, `+`, `*`, `**`), macros, includes, and filters
//! whose output can outgrow their input (`replace`, `indent`, `format`).

use super::vars::{self, Scope};
use minijinja::machinery::{Token, WhitespaceConfig, tokenize};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};
use std::sync::OnceLock;

/// Instructions one render may execute.
const FUEL: u64 = 20_000;
/// The longest message a render may write (bytes).
pub const MAX_OUTPUT: usize = 100_000;

/// A template that cannot be saved or rendered: what is wrong, for the
/// field it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(pub String);

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::empty();
        env.set_fuel(Some(FUEL));
        env.set_recursion_limit(16);
        // A variable the data lacks (an unanswered question) reads as
        // empty; unknown names are refused when the template is saved.
        env.set_undefined_behavior(UndefinedBehavior::Lenient);
        use minijinja::filters as f;
        env.add_filter("lower", f::lower);
        env.add_filter("upper", f::upper);
        env.add_filter("title", f::title);
        env.add_filter("capitalize", f::capitalize);
        env.add_filter("trim", f::trim);
        env.add_filter("length", f::length);
        env.add_filter("default", f::default);
        env.add_filter("first", f::first);
        env.add_filter("last", f::last);
        env.add_filter("reverse", f::reverse);
        env.add_filter("sort", f::sort);
        env.add_filter("round", f::round);
        env.add_filter("abs", f::abs);
        env.add_filter("int", f::int);
        env.add_filter("string", f::string);
        env.add_filter("join", join);
        use minijinja::tests as t;
        env.add_test("defined", t::is_defined);
        env.add_test("undefined", t::is_undefined);
        env.add_test("none", t::is_none);
        env.add_test("string", t::is_string);
        env.add_test("number", t::is_number);
        env.add_test("startingwith", t::is_startingwith);
        env.add_test("endingwith", t::is_endingwith);
        env.add_test("eq", t::is_eq);
        env.add_test("in", t::is_in);
        env
    })
}

/// `join`, refusing a result past the output cap (a separator taken from
/// the data could otherwise multiply it).
fn join(values: Value, separator: Option<String>) -> Result<String, Error> {
    let separator = separator.unwrap_or_default();
    let mut out = String::new();
    for (i, item) in values.try_iter()?.enumerate() {
        if i > 0 {
            out.push_str(&separator);
        }
        out.push_str(&item.to_string());
        if out.len() > MAX_OUTPUT {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                "the result is too long",
            ));
        }
    }
    Ok(out)
}

const FORBIDDEN_BLOCKS: &[&str] = &[
    "set",
    "with",
    "macro",
    "call",
    "filter",
    "include",
    "import",
    "from",
    "extends",
    "block",
    "autoescape",
    "do",
];

/// Refuses the parts of the language left out (see the module's comment).
fn sandbox(source: &str) -> Result<(), TemplateError> {
    let mut after_block_start = false;
    for token in tokenize(source, false, SyntaxConfig, WhitespaceConfig::default()) {
        let (token, span) = token.map_err(|e| TemplateError(describe(&e)))?;
        let line = span.start_line;
        let refuse = |what: &str| {
            Err(TemplateError(format!(
                "line {line}: {what} is not allowed in a message template"
            )))
        };
        match token {
            Token::Tilde | Token::Plus => return refuse("joining strings with ~ or +"),
            Token::Mul | Token::Pow => return refuse("* and **"),
            Token::Ident(word) if after_block_start && FORBIDDEN_BLOCKS.contains(&word) => {
                return refuse(&format!("{{% {word} %}}"));
            }
            Token::Ident("recursive") => return refuse("a recursive loop"),
            _ => {}
        }
        after_block_start = matches!(token, Token::BlockStart);
    }
    Ok(())
}

fn describe(error: &Error) -> String {
    match (error.line(), error.detail()) {
        (Some(line), Some(detail)) => format!("line {line}: {detail}"),
        (Some(line), None) => format!("line {line}: {}", error.kind()),
        (None, Some(detail)) => detail.to_string(),
        (None, None) => error.kind().to_string(),
    }
}

/// Checks a template when it is saved: its syntax, the sandbox, every
/// variable it names (an unknown one is named in the error), and a trial
/// render against sample data (an unknown filter, running out of fuel).
pub fn check(source: &str, scope: &Scope) -> Result<(), TemplateError> {
    if source.len() > crate::domain::MAX_TEMPLATE {
        return Err(TemplateError(format!(
            "at most {} bytes",
            crate::domain::MAX_TEMPLATE
        )));
    }
    sandbox(source)?;
    let env = environment();
    let template = env
        .template_from_str(source)
        .map_err(|e| TemplateError(describe(&e)))?;
    let mut names: Vec<String> = template.undeclared_variables(true).into_iter().collect();
    names.sort();
    for name in names {
        if !vars::known(&name, scope) {
            return Err(TemplateError(format!(
                "unknown variable {name:?}; known: {}",
                vars::listing(scope)
            )));
        }
    }
    render(source, &vars::sample(scope)).map(|_| ())
}

/// Renders a checked template with `context`.
pub fn render(source: &str, context: &Value) -> Result<String, TemplateError> {
    sandbox(source)?;
    let env = environment();
    let template = env
        .template_from_str(source)
        .map_err(|e| TemplateError(describe(&e)))?;
    let mut out = Capped(Vec::new());
    template
        .render_captured_to(context, &mut out)
        .map_err(|e| TemplateError(describe(&e)))?;
    String::from_utf8(out.0).map_err(|_| TemplateError("the message is not text".to_string()))
}

/// A writer that refuses to grow past `MAX_OUTPUT`.
struct Capped(Vec<u8>);

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > MAX_OUTPUT {
            return Err(std::io::Error::other(format!(
                "the message is longer than {MAX_OUTPUT} bytes"
            )));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any() -> Scope {
        Scope::default()
    }

    #[test]
    fn known_variables_render_and_unknown_ones_are_named() {
        let source = "Hi {{ invitee.first_name }}, {{ event.title }} with \
                      {{ hosts | map_names }}";
        // An unknown filter fails the trial render, naming it.
        let error = check(source, &any()).expect_err("unknown filter");
        assert!(error.0.contains("map_names"), "{error:?}");
        let error = check("{{ invitee.shoe_size }}", &any()).expect_err("unknown");
        assert!(error.0.contains("invitee.shoe_size"), "{error:?}");
        let error = check("{{ colour }}", &any()).expect_err("unknown");
        assert!(error.0.contains("\"colour\""), "{error:?}");
        check(
            "{% for h in hosts %}{{ h.name }}{% if not loop.last %}, {% endif %}{% endfor %}\
             {{ answers.company | default('-') }} {{ event.start }}",
            &any(),
        )
        .expect("fine");
    }

    #[test]
    fn what_could_amplify_is_refused() {
        for source in [
            "{% set a = invitee.name %}",
            "{% with a = 1 %}{% endwith %}",
            "{{ invitee.name ~ invitee.name }}",
            "{{ 'x' * 100000000 }}",
            "{{ 2 ** 64 }}",
            "{% macro m() %}{% endmacro %}",
            "{% for h in hosts recursive %}{{ loop(hosts) }}{% endfor %}",
            "{{ invitee.name | replace('a', 'bb') }}",
        ] {
            assert!(check(source, &any()).is_err(), "{source}");
        }
        // A loop long enough runs out of fuel instead of running on.
        let nested = format!(
            "{}x{}",
            "{% for a in hosts %}".repeat(12),
            "{% endfor %}".repeat(12)
        );
        let wide = vars::sample_with_hosts(&any(), 20);
        let error = render(&nested, &wide).expect_err("fuel");
        assert!(
            error.0.contains("fuel") || error.0.contains("longer"),
            "{error:?}"
        );
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let error = check("Hello\n{{ invitee.name ", &any()).expect_err("syntax");
        assert!(error.0.starts_with("line 2"), "{error:?}");
    }
}
