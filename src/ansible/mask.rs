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
    /// two-factor ticket).
    pub fn add(&mut self, secret: &str) {
        if secret.is_empty() || self.secrets.iter().any(|s| s == secret) {
            return;
        }
        self.secrets.push(secret.to_owned());
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
        if out.contains('%') {
            out = self.mask_percent_encoded(&out);
        }
        out
    }

    /// Secrets written percent-encoded, in any mix of escaped and plain characters
    /// (as in a URL): found in the decoded text, starred out in the original.
    fn mask_percent_encoded(&self, text: &str) -> String {
        let bytes = text.as_bytes();
        // decoded[i] came from bytes[spans[i].0 .. spans[i].1]
        let mut decoded = Vec::with_capacity(bytes.len());
        let mut spans = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let escaped = match (bytes.get(i), bytes.get(i + 1), bytes.get(i + 2)) {
                (Some(b'%'), Some(&hi), Some(&lo)) => hex(hi).zip(hex(lo)).map(|(h, l)| h * 16 + l),
                _ => None,
            };
            match escaped {
                Some(byte) => {
                    decoded.push(byte);
                    spans.push((i, i + 3));
                    i += 3;
                }
                None => {
                    decoded.push(bytes.get(i).copied().unwrap_or_default());
                    spans.push((i, i + 1));
                    i += 1;
                }
            }
        }
        let mut hidden: Vec<(usize, usize)> = Vec::new();
        for secret in &self.secrets {
            let needle = secret.as_bytes();
            let mut at = 0;
            while let Some(found) = find(decoded.get(at..).unwrap_or_default(), needle) {
                let (first, last) = (at + found, at + found + needle.len() - 1);
                if let (Some(start), Some(end)) = (spans.get(first), spans.get(last)) {
                    hidden.push((start.0, end.1));
                }
                at = last + 1;
            }
        }
        if hidden.is_empty() {
            return text.to_owned();
        }
        if hidden
            .iter()
            .any(|&(start, end)| start == 0 && end == bytes.len())
        {
            return WHOLE.to_owned();
        }
        hidden.sort_unstable();
        let mut out = Vec::with_capacity(bytes.len());
        let mut copied = 0;
        for (start, end) in hidden {
            if start >= copied {
                out.extend_from_slice(bytes.get(copied..start).unwrap_or_default());
                out.extend_from_slice(PART.as_bytes());
                copied = end;
            } else if end > copied {
                copied = end;
            }
        }
        out.extend_from_slice(bytes.get(copied..).unwrap_or_default());
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Masks every string, key and number in a JSON value.
    pub fn mask(&self, mut value: Value) -> Value {
        self.mask_in_place(&mut value);
        value
    }

    pub fn mask_map(&self, mut map: Map<String, Value>) -> Map<String, Value> {
        self.mask_map_in_place(&mut map);
        map
    }

    /// Whether `text` could need masking; false for almost every string.
    fn hit(&self, text: &str) -> bool {
        text.contains('%') || self.secrets.iter().any(|s| text.contains(s.as_str()))
    }

    fn mask_in_place(&self, value: &mut Value) {
        if self.secrets.is_empty() {
            return;
        }
        match value {
            Value::String(s) if self.hit(s) => *s = self.mask_str(s),
            // A number that shows a secret (a numeric code, say) becomes a masked string.
            Value::Number(n) => {
                let text = n.to_string();
                if self.hit(&text) {
                    let masked = self.mask_str(&text);
                    if masked != text {
                        *value = Value::String(masked);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.mask_in_place(v)),
            Value::Object(map) => self.mask_map_in_place(map),
            _ => {}
        }
    }

    fn mask_map_in_place(&self, map: &mut Map<String, Value>) {
        if self.secrets.is_empty() {
            return;
        }
        if map.keys().any(|k| self.hit(k)) {
            let old = std::mem::take(map);
            *map = old
                .into_iter()
                .map(|(key, value)| (self.mask_str(&key), value))
                .collect();
        }
        map.values_mut().for_each(|v| self.mask_in_place(v));
    }
}

fn hex(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
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
            "in": 91234567,
            "ok": 7,
            "b": true,
            "z": null,
        }));
        assert_eq!(
            out,
            json!({
                "a": ["x ******** y", {WHOLE: WHOLE}],
                "n": WHOLE,
                "in": "9********7",
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
