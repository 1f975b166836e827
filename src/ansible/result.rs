//! What a module returns, and how it becomes the one JSON object on stdout.

use serde_json::{Map, Value};

/// A failed run: the message for the user plus any extra fields (`status`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub msg: String,
    pub fields: Map<String, Value>,
}

impl Failure {
    pub fn new(msg: impl Into<String>) -> Self {
        Failure {
            msg: msg.into(),
            fields: Map::new(),
        }
    }

    /// Adds a field to the failure result.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.fields.insert(key.to_owned(), value.into());
        self
    }
}

/// The result of a module's own work: the fields of a successful result, or a failure.
pub type Outcome = Result<Map<String, Value>, Failure>;

/// Builds the Ansible result object (before masking).
pub(crate) fn assemble(
    outcome: Outcome,
    warnings: Vec<String>,
    invocation: Option<Map<String, Value>>,
) -> (Map<String, Value>, bool) {
    let mut out = Map::new();
    let failed = outcome.is_err();
    match outcome {
        Ok(fields) => {
            out.insert("changed".into(), Value::Bool(false));
            out.extend(fields);
        }
        Err(failure) => {
            out.insert("failed".into(), Value::Bool(true));
            out.insert("msg".into(), Value::String(failure.msg));
            out.insert("changed".into(), Value::Bool(false));
            out.extend(failure.fields);
        }
    }
    if !warnings.is_empty() {
        out.insert(
            "warnings".into(),
            Value::Array(warnings.into_iter().map(Value::String).collect()),
        );
    }
    if let Some(module_args) = invocation {
        let mut inv = Map::new();
        inv.insert("module_args".into(), Value::Object(module_args));
        out.insert("invocation".into(), Value::Object(inv));
    }
    (out, failed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn success_has_changed_first() {
        let mut fields = Map::new();
        fields.insert("result".into(), json!({"count": 0}));
        let (out, failed) = assemble(Ok(fields), vec![], None);
        assert!(!failed);
        assert_eq!(
            Value::Object(out.clone()),
            json!({"changed": false, "result": {"count": 0}})
        );
        assert_eq!(out.keys().next().map(String::as_str), Some("changed"));
    }

    #[test]
    fn a_module_may_say_changed() {
        let mut fields = Map::new();
        fields.insert("changed".into(), json!(true));
        let (out, _) = assemble(Ok(fields), vec![], None);
        assert_eq!(out["changed"], json!(true));
    }

    #[test]
    fn failure_with_fields_warnings_and_invocation() {
        let failure = Failure::new("boom").with("status", 401).with("code", 401);
        let mut args = Map::new();
        args.insert("page".into(), json!(1));
        let (out, failed) = assemble(Err(failure), vec!["careful".into()], Some(args));
        assert!(failed);
        assert_eq!(
            Value::Object(out),
            json!({"failed": true, "msg": "boom", "changed": false, "status": 401, "code": 401,
                   "warnings": ["careful"], "invocation": {"module_args": {"page": 1}}})
        );
    }
}
