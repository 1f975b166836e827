//! Checks the args against a module's spec, collecting every problem before failing,
//! like ansible-core's `ArgumentSpecValidator`.

use serde_json::{Map, Value};

use super::convert::{convert, python_type, ParamValue};
use super::params::Params;
use super::spec::{DefaultValue, Kind, ModuleSpec, OptionSpec};

/// The outcome of a successful validation.
#[derive(Debug)]
pub struct Validated {
    pub params: Params,
    /// Things the user should know (scalars turned into strings, ...).
    pub warnings: Vec<String>,
}

/// Validates the user's options (internal `_ansible_*` keys are skipped).
/// `Err` holds every problem, in Ansible's wording where it has one.
pub fn validate(
    spec: &ModuleSpec,
    args: &Map<String, Value>,
    ignore_unknown: bool,
) -> Result<Validated, Vec<String>> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();

    if !ignore_unknown {
        let mut unknown: Vec<&str> = args
            .keys()
            .map(String::as_str)
            .filter(|key| !key.starts_with("_ansible_") && spec.option(key).is_none())
            .collect();
        if !unknown.is_empty() {
            unknown.sort_unstable();
            let mut supported: Vec<&str> = spec.options().map(|o| o.name).collect();
            supported.sort_unstable();
            errors.push(format!(
                "Unsupported parameters for ({}) module: {}. Supported parameters include: {}.",
                spec.fqcn(),
                unknown.join(", "),
                supported.join(", ")
            ));
        }
    }

    // null means "not given", as the issue tracker and users expect.
    let given = |option: &OptionSpec| args.get(option.name).filter(|v| !v.is_null());

    let mut missing: Vec<&str> = spec
        .options()
        .filter(|option| option.required && given(option).is_none())
        .map(|option| option.name)
        .collect();
    if !missing.is_empty() {
        missing.sort_unstable();
        errors.push(format!(
            "missing required arguments: {}",
            missing.join(", ")
        ));
    }

    let mut params = Params::default();
    for option in spec.options() {
        let Some(raw) = given(option) else {
            if let Some(default) = option.default {
                params.insert(option.name, default_value(default));
            }
            continue;
        };
        match convert(option.kind, raw) {
            Ok((value, note)) => {
                if let Some(note) = note {
                    warnings.push(format!("option '{}': {note}", option.name));
                }
                match check_rules(option, &value) {
                    Ok(()) => params.insert(option.name, value),
                    Err(problem) => errors.push(problem),
                }
            }
            Err(problem) => errors.push(conversion_message(option, raw, &problem.0)),
        }
    }

    if errors.is_empty() {
        Ok(Validated { params, warnings })
    } else {
        Err(errors)
    }
}

fn default_value(default: DefaultValue) -> ParamValue {
    match default {
        DefaultValue::Str(s) => ParamValue::Str(s.to_owned()),
        DefaultValue::Int(i) => ParamValue::Int(i),
        DefaultValue::Bool(b) => ParamValue::Bool(b),
    }
}

fn conversion_message(option: &OptionSpec, raw: &Value, problem: &str) -> String {
    let head = format!(
        "argument '{}' is of type {} and we were unable to convert to {}",
        option.name,
        python_type(raw),
        option.kind.name()
    );
    // A secret's value is never repeated, even though masking would catch it.
    if option.no_log {
        head
    } else {
        format!("{head}: {problem}")
    }
}

fn check_rules(option: &OptionSpec, value: &ParamValue) -> Result<(), String> {
    match value {
        ParamValue::Int(i) => {
            let below = option.min.is_some_and(|min| *i < min);
            let above = option.max.is_some_and(|max| *i > max);
            if below || above {
                let range = match (option.min, option.max) {
                    (Some(min), Some(max)) => format!("between {min} and {max}"),
                    (Some(min), None) => format!("at least {min}"),
                    (None, Some(max)) => format!("at most {max}"),
                    (None, None) => String::new(),
                };
                return Err(format!(
                    "argument '{}' must be {range}, got {i}",
                    option.name
                ));
            }
        }
        ParamValue::Str(s) if !s.is_empty() => {
            if let Some(rule) = option.rule {
                if !(rule.check)(s) {
                    let shown = if option.no_log || option.kind == Kind::Path {
                        String::new()
                    } else {
                        format!(", got '{s}'")
                    };
                    return Err(format!(
                        "argument '{}' must be {}{shown}",
                        option.name, rule.expects
                    ));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ansible::spec::{DefaultValue as D, Kind, OptionSpec as O};
    use serde_json::json;

    fn digits(s: &str) -> bool {
        s.chars().all(|c| c.is_ascii_digit())
    }

    const OPTIONS: &[O] = &[
        O::new("token", Kind::Str).required().no_log(),
        O::new("name", Kind::Str).rule(digits, "digits only"),
        O::new("page", Kind::Int).default(D::Int(1)).min(1),
        O::new("size", Kind::Int)
            .default(D::Int(100))
            .min(1)
            .max(100),
        O::new("flag", Kind::Bool).default(D::Bool(true)),
        O::new("user", Kind::Str).required(),
    ];
    const SPEC: ModuleSpec = ModuleSpec {
        name: "demo",
        version: "0.0.0",
        option_groups: &[OPTIONS],
    };

    fn run(args: Value) -> Result<Validated, Vec<String>> {
        validate(&SPEC, args.as_object().unwrap(), false)
    }

    #[test]
    fn defaults_and_conversions() {
        let ok = run(json!({"token": "t", "user": "u", "page": "2", "flag": "no",
                            "_ansible_check_mode": true, "_ansible_future_thing": 1}))
        .unwrap();
        assert_eq!(ok.params.int("page").unwrap(), 2);
        assert_eq!(ok.params.int("size").unwrap(), 100);
        assert!(!ok.params.bool("flag").unwrap());
        assert_eq!(ok.params.opt_str("name"), None);
        assert!(ok.warnings.is_empty());
    }

    #[test]
    fn null_is_not_given() {
        let ok = run(json!({"token": "t", "user": "u", "page": null})).unwrap();
        assert_eq!(ok.params.int("page").unwrap(), 1);
        let err = run(json!({"token": null, "user": "u"})).unwrap_err();
        assert_eq!(err, ["missing required arguments: token"]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let errors = run(json!({"zzz": 1, "aaa": 2, "page": "2.5", "size": 500,
                                "flag": "maybe", "name": "12a"}))
        .unwrap_err();
        assert_eq!(
            errors,
            [
                "Unsupported parameters for (community.missing_collection.demo) module: aaa, zzz. \
                 Supported parameters include: flag, name, page, size, token, user.",
                "missing required arguments: token, user",
                "argument 'name' must be digits only, got '12a'",
                "argument 'page' is of type str and we were unable to convert to int: '2.5' cannot be converted to an int",
                "argument 'size' must be between 1 and 100, got 500",
                "argument 'flag' is of type str and we were unable to convert to bool: 'maybe' is not a valid boolean; valid booleans include: y, yes, on, 1, true, t, n, no, off, 0, false, f",
            ]
        );
    }

    #[test]
    fn unknown_options_can_be_ignored() {
        let args = json!({"token": "t", "user": "u", "bogus": 1});
        assert!(validate(&SPEC, args.as_object().unwrap(), true).is_ok());
    }

    #[test]
    fn secret_values_are_not_repeated_in_conversion_errors() {
        let errors = run(json!({"token": ["s3cr3t"], "user": "u"})).unwrap_err();
        assert_eq!(
            errors,
            ["argument 'token' is of type list and we were unable to convert to str"]
        );
    }

    #[test]
    fn scalar_to_string_warns() {
        let ok = run(json!({"token": "t", "user": 42})).unwrap();
        assert_eq!(ok.params.str("user").unwrap(), "42");
        assert_eq!(ok.warnings.len(), 1);
        assert!(ok.warnings[0].starts_with("option 'user':"));
    }

    #[test]
    fn empty_strings_skip_the_rule() {
        let ok = run(json!({"token": "t", "user": "u", "name": ""})).unwrap();
        assert_eq!(ok.params.opt_str("name"), Some(""));
    }

    #[test]
    fn below_minimum() {
        let errors = run(json!({"token": "t", "user": "u", "page": 0})).unwrap_err();
        assert_eq!(errors, ["argument 'page' must be at least 1, got 0"]);
    }
}
