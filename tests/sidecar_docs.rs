//! The sidecar docs (plugins/modules/NAME.yml) and the Rust option specs must agree:
//! names, types, defaults, required, and secret-ness. ansible-doc shows the sidecar;
//! the binary enforces the spec; this test keeps them from drifting apart.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;

use missing_collection::ansible::{DefaultValue, Kind, ModuleSpec};
use missing_collection::modules::{docker_hub_personal_token_info, docker_hub_token};
use yaml_rust2::{Yaml, YamlLoader};

/// How a sidecar says an option is a secret (`no_log` is not a documentation key).
const SECRET_PHRASE: &str = "The value is secret";

fn sidecar(spec: &ModuleSpec) -> Yaml {
    let path = format!(
        "{}/plugins/modules/{}.yml",
        env!("CARGO_MANIFEST_DIR"),
        spec.name
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    YamlLoader::load_from_str(&text).unwrap().remove(0)
}

fn description_text(option: &Yaml) -> String {
    match &option["description"] {
        Yaml::String(s) => s.clone(),
        Yaml::Array(lines) => lines
            .iter()
            .filter_map(Yaml::as_str)
            .collect::<Vec<_>>()
            .join(" "),
        other => panic!("description must be a string or a list: {other:?}"),
    }
}

fn check(spec: &ModuleSpec) {
    let doc = sidecar(spec);
    let documentation = &doc["DOCUMENTATION"];
    assert_eq!(documentation["module"].as_str(), Some(spec.name));
    let options = documentation["options"]
        .as_hash()
        .expect("DOCUMENTATION.options");

    let documented: BTreeSet<&str> = options.keys().map(|k| k.as_str().unwrap()).collect();
    let specified: BTreeSet<&str> = spec.options().map(|o| o.name).collect();
    assert_eq!(
        documented, specified,
        "{}: documented vs specified options",
        spec.name
    );

    for option in spec.options() {
        let doc = &documentation["options"][option.name];
        let at = format!("{}: option {}", spec.name, option.name);
        assert_eq!(doc["type"].as_str(), Some(option.kind.name()), "{at}: type");
        assert_eq!(
            doc["required"].as_bool().unwrap_or(false),
            option.required,
            "{at}: required"
        );
        let default = &doc["default"];
        match option.default {
            None => assert!(
                default.is_badvalue() || default.is_null(),
                "{at}: no default in the spec, {default:?} in the docs"
            ),
            Some(DefaultValue::Str(s)) => assert_eq!(default.as_str(), Some(s), "{at}: default"),
            Some(DefaultValue::Int(i)) => assert_eq!(default.as_i64(), Some(i), "{at}: default"),
            Some(DefaultValue::Bool(b)) => assert_eq!(default.as_bool(), Some(b), "{at}: default"),
        }
        assert_eq!(
            description_text(doc).contains(SECRET_PHRASE),
            option.no_log,
            "{at}: a secret option (no_log) and only those say '{SECRET_PHRASE}' in the docs"
        );
        if let (Kind::Int, Some(min), Some(max)) = (option.kind, option.min, option.max) {
            let text = description_text(doc);
            assert!(
                text.contains(&min.to_string()) && text.contains(&max.to_string()),
                "{at}: the docs should state the range {min}..{max}: {text}"
            );
        }
    }

    let examples = doc["EXAMPLES"].as_str().expect("EXAMPLES is a string");
    let parsed = YamlLoader::load_from_str(examples).expect("EXAMPLES is YAML");
    assert!(!parsed.is_empty());
    assert!(
        examples.contains(&spec.fqcn()),
        "{}: EXAMPLES use the FQCN",
        spec.name
    );
    assert!(
        doc["RETURN"].as_hash().is_some_and(|h| !h.is_empty()),
        "{}: RETURN",
        spec.name
    );
}

#[test]
fn info_module_docs_match_its_spec() {
    check(&docker_hub_personal_token_info::SPEC);
}

#[test]
fn token_module_docs_match_its_spec() {
    check(&docker_hub_token::SPEC);
}

#[test]
fn the_documented_example_flow_is_in_the_info_examples() {
    let doc = sidecar(&docker_hub_personal_token_info::SPEC);
    let examples = doc["EXAMPLES"].as_str().unwrap();
    assert!(examples.contains("community.missing_collection.docker_hub_token"));
    assert!(examples.contains("no_log: true"));
    assert!(examples.contains("uuid:"));
}
