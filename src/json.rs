//! Small JSON helpers shared by the runtime and the client.

use serde_json::Value;

/// The JSON name of a value's type, for messages ("got a JSON array").
pub fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
        Value::Object(_) => "object",
    }
}
