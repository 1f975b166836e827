//! The option spec: what a module accepts, written once as data.
//!
//! Mirrors the `argument_spec` of ansible-core's `AnsibleModule`: each option has a
//! type, maybe a default, maybe `required`, maybe `no_log`. Range and pattern rules
//! that Python modules check by hand are data here too, so validation can report them
//! together with every other problem.

/// The collection every module of this crate belongs to.
pub const COLLECTION: &str = "community.missing_collection";

/// The type an option's value is converted to, named as ansible-core names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Str,
    Int,
    Bool,
    /// A string with `~` and `$VARS` expanded, like ansible-core's `type='path'`.
    Path,
}

impl Kind {
    /// The name used in `type:` of the sidecar docs and in messages.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Str => "str",
            Kind::Int => "int",
            Kind::Bool => "bool",
            Kind::Path => "path",
        }
    }
}

/// A default value, applied when the option is absent or null.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultValue {
    Str(&'static str),
    Int(i64),
    Bool(bool),
}

/// A check on a converted string value, with the words that say what it expects.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub check: fn(&str) -> bool,
    /// Completes "argument 'x' must be ...".
    pub expects: &'static str,
}

/// One option of a module.
#[derive(Clone, Copy, Debug)]
pub struct OptionSpec {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub default: Option<DefaultValue>,
    /// A secret: masked in every output, like `no_log=True`.
    pub no_log: bool,
    /// Inclusive bounds for `Kind::Int`.
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// Applied to non-empty string values.
    pub rule: Option<Rule>,
}

impl OptionSpec {
    pub const fn new(name: &'static str, kind: Kind) -> Self {
        OptionSpec {
            name,
            kind,
            required: false,
            default: None,
            no_log: false,
            min: None,
            max: None,
            rule: None,
        }
    }
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub const fn no_log(mut self) -> Self {
        self.no_log = true;
        self
    }
    pub const fn default(mut self, value: DefaultValue) -> Self {
        self.default = Some(value);
        self
    }
    pub const fn min(mut self, min: i64) -> Self {
        self.min = Some(min);
        self
    }
    pub const fn max(mut self, max: i64) -> Self {
        self.max = Some(max);
        self
    }
    pub const fn rule(mut self, check: fn(&str) -> bool, expects: &'static str) -> Self {
        self.rule = Some(Rule { check, expects });
        self
    }
}

/// A module: its short name and its options, in groups so that shared options
/// (connection settings, say) are written once and listed by every module using them.
#[derive(Clone, Copy, Debug)]
pub struct ModuleSpec {
    pub name: &'static str,
    pub version: &'static str,
    pub option_groups: &'static [&'static [OptionSpec]],
}

impl ModuleSpec {
    /// Fully qualified collection name, as users write it in tasks.
    pub fn fqcn(&self) -> String {
        format!("{COLLECTION}.{}", self.name)
    }

    pub fn options(&self) -> impl Iterator<Item = &'static OptionSpec> {
        self.option_groups.iter().flat_map(|group| group.iter())
    }

    pub fn option(&self, name: &str) -> Option<&'static OptionSpec> {
        self.options().find(|option| option.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: &[OptionSpec] = &[OptionSpec::new("a", Kind::Str).required().no_log()];
    const SHARED: &[OptionSpec] = &[OptionSpec::new("b", Kind::Int).default(DefaultValue::Int(3))];
    const SPEC: ModuleSpec = ModuleSpec {
        name: "m",
        version: "1.0.0",
        option_groups: &[OWN, SHARED],
    };

    #[test]
    fn groups_are_flattened_in_order() {
        let names: Vec<_> = SPEC.options().map(|o| o.name).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(SPEC.fqcn(), "community.missing_collection.m");
        assert!(SPEC.option("a").is_some_and(|o| o.required && o.no_log));
        assert_eq!(
            SPEC.option("b").and_then(|o| o.default),
            Some(DefaultValue::Int(3))
        );
        assert!(SPEC.option("c").is_none());
    }
}
