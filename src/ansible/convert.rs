//! Type conversion of option values, following ansible-core's `check_type_*` rules.
//!
//! The controller applies no conversion: ad-hoc `-a 'page=2'` sends the string "2",
//! YAML `page: 2` sends the number 2. Every module converts the same way, here.

use serde_json::Value;

use super::spec::Kind;

/// A converted option value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamValue {
    Str(String),
    Int(i64),
    Bool(bool),
}

impl ParamValue {
    pub fn to_json(&self) -> Value {
        match self {
            ParamValue::Str(s) => Value::from(s.as_str()),
            ParamValue::Int(i) => Value::from(*i),
            ParamValue::Bool(b) => Value::from(*b),
        }
    }
}

/// Why a value could not be converted; completes "... and we were unable to convert to T: ".
#[derive(Debug, PartialEq, Eq)]
pub struct ConversionError(pub String);

/// What a successful conversion may have to say (a scalar turned into a string).
pub type Converted = (ParamValue, Option<String>);

/// Python's name for the type of a JSON value, as Ansible's messages use it.
pub fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

pub fn convert(kind: Kind, value: &Value) -> Result<Converted, ConversionError> {
    match kind {
        Kind::Str => to_str(value),
        Kind::Path => to_str(value).map(|(v, note)| match v {
            ParamValue::Str(s) => (ParamValue::Str(expand_path(&s)), note),
            other => (other, note),
        }),
        Kind::Int => to_int(value).map(|i| (ParamValue::Int(i), None)),
        Kind::Bool => to_bool(value).map(|b| (ParamValue::Bool(b), None)),
    }
}

/// Strings as they are; numbers and booleans as Python's `str()` writes them, with a
/// note, since a YAML `uuid: 1234` was probably meant as text. Lists and dicts are refused.
fn to_str(value: &Value) -> Result<Converted, ConversionError> {
    let text = match value {
        Value::String(s) => return Ok((ParamValue::Str(s.clone()), None)),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e16 => format!("{f:.1}"),
            _ => n.to_string(),
        },
        other => {
            return Err(ConversionError(format!(
                "a {} cannot be converted to a str",
                python_type(other)
            )))
        }
    };
    let note = format!(
        "a value of type {} was converted to the string '{text}'; quote it in the task if that is not what you meant",
        python_type(value)
    );
    Ok((ParamValue::Str(text), Some(note)))
}

/// Integers, integral floats and strings holding an integer. Not booleans, not "2.5".
fn to_int(value: &Value) -> Result<i64, ConversionError> {
    let fail = |what: String| {
        Err(ConversionError(format!(
            "{what} cannot be converted to an int"
        )))
    };
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                return Ok(i);
            }
            match n.as_f64() {
                // i64::MAX as f64 rounds up to 2^63, so the bound is exclusive.
                Some(f) if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 => {
                    Ok(f as i64)
                }
                Some(f) if f.fract() == 0.0 => fail(format!("{n} (out of range)")),
                _ => fail(format!("the float {n}")),
            }
        }
        Value::String(s) => parse_int(s).ok_or(()).or_else(|()| fail(format!("'{s}'"))),
        other => fail(format!("a {}", python_type(other))),
    }
}

/// Python's `int(str)` for base 10: surrounding whitespace, a sign, digits with single
/// underscores between them.
fn parse_int(text: &str) -> Option<i64> {
    let trimmed = text.trim();
    let (negative, digits) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let magnitude: i64 = clean.parse().ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

const TRUE_WORDS: [&str; 6] = ["y", "yes", "on", "1", "true", "t"];
const FALSE_WORDS: [&str; 6] = ["n", "no", "off", "0", "false", "f"];

/// Ansible's boolean words (any case), 1/0 and 1.0/0.0.
fn to_bool(value: &Value) -> Result<bool, ConversionError> {
    match value {
        Value::Bool(b) => return Ok(*b),
        Value::String(s) => {
            let word = s.trim().to_ascii_lowercase();
            if TRUE_WORDS.contains(&word.as_str()) {
                return Ok(true);
            }
            if FALSE_WORDS.contains(&word.as_str()) {
                return Ok(false);
            }
        }
        Value::Number(n) => match n.as_f64() {
            Some(1.0) => return Ok(true),
            Some(0.0) => return Ok(false),
            _ => {}
        },
        _ => {}
    }
    let shown = match value {
        Value::String(s) => format!("'{s}'"),
        Value::Number(n) => n.to_string(),
        other => format!("a {}", python_type(other)),
    };
    Err(ConversionError(format!(
        "{shown} is not a valid boolean; valid booleans include: {}, {}",
        TRUE_WORDS.join(", "),
        FALSE_WORDS.join(", ")
    )))
}

/// `~` and `$NAME` / `${NAME}` expansion, like Python's expanduser(expandvars(p)):
/// unknown variables are left as written.
pub fn expand_path(path: &str) -> String {
    let expanded = expand_vars(path, |name| std::env::var(name).ok());
    match std::env::var("HOME") {
        Ok(home) if expanded == "~" => home,
        Ok(home) if expanded.starts_with("~/") => format!("{home}{}", &expanded[1..]),
        _ => expanded,
    }
}

fn expand_vars(text: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, consumed) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match (name.is_empty(), lookup(name)) {
            (false, Some(value)) => out.push_str(&value),
            _ => out.push_str(&rest[pos..pos + 1 + consumed]),
        }
        rest = &rest[pos + 1 + consumed..];
        if consumed == 0 {
            // A lone '$' was copied above; continue after it.
            continue;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn int(v: Value) -> Result<i64, ConversionError> {
        to_int(&v)
    }
    fn boolean(v: Value) -> Result<bool, ConversionError> {
        to_bool(&v)
    }

    #[test]
    fn int_accepts_what_ansible_accepts() {
        assert_eq!(int(json!(2)), Ok(2));
        assert_eq!(int(json!("2")), Ok(2));
        assert_eq!(int(json!(" 2 ")), Ok(2));
        assert_eq!(int(json!("-7")), Ok(-7));
        assert_eq!(int(json!("+7")), Ok(7));
        assert_eq!(int(json!("1_000")), Ok(1000));
        assert_eq!(int(json!(2.0)), Ok(2));
    }

    #[test]
    fn int_refuses_the_rest() {
        for bad in [
            json!("2.5"),
            json!(2.5),
            json!(true),
            json!(""),
            json!("0x10"),
            json!("1__0"),
            json!("_1"),
            json!([1]),
            json!({"a": 1}),
            json!(1e300),
            json!("99999999999999999999999"),
        ] {
            assert!(int(bad.clone()).is_err(), "{bad} should not convert");
        }
        assert_eq!(
            int(json!("2.5")).unwrap_err().0,
            "'2.5' cannot be converted to an int"
        );
    }

    #[test]
    fn bool_words() {
        for yes in ["yes", "Yes", "TRUE", "on", "1", "t", "y", " true "] {
            assert_eq!(boolean(json!(yes)), Ok(true), "{yes}");
        }
        for no in ["no", "False", "off", "0", "f", "n"] {
            assert_eq!(boolean(json!(no)), Ok(false), "{no}");
        }
        assert_eq!(boolean(json!(true)), Ok(true));
        assert_eq!(boolean(json!(1)), Ok(true));
        assert_eq!(boolean(json!(0.0)), Ok(false));
        for bad in [json!("maybe"), json!(2), json!(""), json!([]), json!({})] {
            assert!(boolean(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn str_converts_scalars_with_a_note_and_refuses_containers() {
        assert_eq!(to_str(&json!("x")), Ok((ParamValue::Str("x".into()), None)));
        let (value, note) = to_str(&json!(12)).unwrap();
        assert_eq!(value, ParamValue::Str("12".into()));
        assert!(note.unwrap().contains("type int"));
        assert_eq!(
            to_str(&json!(2.0)).unwrap().0,
            ParamValue::Str("2.0".into())
        );
        assert_eq!(
            to_str(&json!(true)).unwrap().0,
            ParamValue::Str("True".into())
        );
        assert!(to_str(&json!([1])).is_err());
        assert!(to_str(&json!({})).is_err());
    }

    #[test]
    fn vars_expand_like_python() {
        let lookup = |name: &str| (name == "HOME_X").then(|| "/h".to_owned());
        assert_eq!(expand_vars("$HOME_X/a", lookup), "/h/a");
        assert_eq!(expand_vars("${HOME_X}/a", lookup), "/h/a");
        assert_eq!(expand_vars("$NOPE/a", lookup), "$NOPE/a");
        assert_eq!(expand_vars("a$", lookup), "a$");
        assert_eq!(expand_vars("a${x", lookup), "a${x");
        assert_eq!(expand_vars("$$HOME_X", lookup), "$/h");
        assert_eq!(expand_vars("plain", lookup), "plain");
    }

    #[test]
    fn python_type_names() {
        assert_eq!(python_type(&json!(null)), "NoneType");
        assert_eq!(python_type(&json!(1.5)), "float");
        assert_eq!(python_type(&json!(1)), "int");
        assert_eq!(python_type(&json!({})), "dict");
    }
}
