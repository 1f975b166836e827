//! Validated option values, as a module reads them.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::convert::ParamValue;
use super::result::Failure;

/// The options after validation: converted, defaults applied, nulls dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    values: BTreeMap<&'static str, ParamValue>,
}

impl Params {
    pub(crate) fn insert(&mut self, name: &'static str, value: ParamValue) {
        self.values.insert(name, value);
    }

    /// A string option that may be unset.
    pub fn opt_str(&self, name: &str) -> Option<&str> {
        match self.values.get(name) {
            Some(ParamValue::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// A string option that validation guarantees (required, or with a default).
    pub fn str(&self, name: &str) -> Result<&str, Failure> {
        self.opt_str(name).ok_or_else(|| missing(name))
    }

    pub fn int(&self, name: &str) -> Result<i64, Failure> {
        match self.values.get(name) {
            Some(ParamValue::Int(i)) => Ok(*i),
            _ => Err(missing(name)),
        }
    }

    pub fn bool(&self, name: &str) -> Result<bool, Failure> {
        match self.values.get(name) {
            Some(ParamValue::Bool(b)) => Ok(*b),
            _ => Err(missing(name)),
        }
    }

    /// Every option, as `invocation.module_args` shows them (before masking).
    pub fn to_json(&self) -> Map<String, Value> {
        self.values
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.to_json()))
            .collect()
    }
}

/// Only reachable when a module asks for an option its own spec does not guarantee.
fn missing(name: &str) -> Failure {
    Failure::new(format!(
        "internal error: option '{name}' has no value of the expected type; please report this"
    ))
}
