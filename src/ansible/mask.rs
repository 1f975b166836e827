//! Masking of secret values in everything a module prints, the way AnsibleModule
//! treats `no_log` values: a string equal to a secret is replaced whole, a string
//! containing one has each occurrence starred out.

use serde_json::{Map, Value};

/// What a value equal to a secret becomes.
pub const WHOLE: &str = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER";
/// What a secret inside a longer string becomes.
pub const PART: &str = "********";

/// The secrets of one run, in every form the module could print them.
#[derive(Clone, Debug, Default)]
pub struct Masker {
    /// Longest first, so a secret containing another is starred out whole.
    secrets: Vec<String>,
}

impl Masker {
    /// Adds a secret (an option value, or one learned at run time such as a
    /// two-factor ticket). Also adds its percent-encoded form, as it would appear in a URL.
    pub fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        for form in [secret.to_owned(), percent_encode(secret)] {
            if !self.secrets.contains(&form) {
                self.secrets.push(form);
            }
        }
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    pub fn mask_str(&self, text: &str) -> String {
        if self.secrets.iter().any(|s| s == text) {
            return WHOLE.to_owned();
        }
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), PART);
            }
        }
        out
    }

    /// Masks every string, key and number in a JSON value.
    pub fn mask(&self, value: Value) -> Value {
        if self.secrets.is_empty() {
            return value;
        }
        match value {
            Value::String(s) => Value::String(self.mask_str(&s)),
            Value::Number(n) => {
                let text = n.to_string();
                if self.secrets.contains(&text) {
                    Value::String(WHOLE.to_owned())
                } else {
                    Value::Number(n)
                }
            }
            Value::Array(items) => Value::Array(items.into_iter().map(|v| self.mask(v)).collect()),
            Value::Object(map) => Value::Object(self.mask_map(map)),
            other => other,
        }
    }

    pub fn mask_map(&self, map: Map<String, Value>) -> Map<String, Value> {
        map.into_iter()
            .map(|(key, value)| (self.mask_str(&key), self.mask(value)))
            .collect()
    }
}

/// RFC 3986 percent-encoding of everything but unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn masker(secrets: &[&str]) -> Masker {
        let mut m = Masker::default();
        for s in secrets {
            m.add(s);
        }
        m
    }

    #[test]
    fn equal_contained_and_untouched() {
        let m = masker(&["hunter2"]);
        assert_eq!(m.mask_str("hunter2"), WHOLE);
        assert_eq!(m.mask_str("pw is hunter2!"), "pw is ********!");
        assert_eq!(m.mask_str("hunter2hunter2"), "****************");
        assert_eq!(m.mask_str("nothing"), "nothing");
    }

    #[test]
    fn nested_values_keys_and_numbers() {
        let m = masker(&["s3cr3t", "123456"]);
        let out = m.mask(json!({
            "a": ["x s3cr3t y", {"s3cr3t": "s3cr3t"}],
            "n": 123456,
            "ok": 7,
            "b": true,
            "z": null,
        }));
        assert_eq!(
            out,
            json!({
                "a": ["x ******** y", {WHOLE: WHOLE}],
                "n": WHOLE,
                "ok": 7,
                "b": true,
                "z": null,
            })
        );
    }

    #[test]
    fn percent_encoded_form_is_masked() {
        let m = masker(&["p@ss word/"]);
        assert_eq!(
            m.mask_str("https://h/?p=p%40ss%20word%2F"),
            "https://h/?p=********"
        );
    }

    #[test]
    fn longer_secret_wins_over_its_part() {
        let m = masker(&["abc", "xxabcxx"]);
        assert_eq!(m.mask_str("1 xxabcxx 2 abc"), "1 ******** 2 ********");
    }

    #[test]
    fn empty_secret_is_ignored() {
        let m = masker(&[""]);
        assert!(m.is_empty());
        assert_eq!(m.mask_str("anything"), "anything");
    }
}
