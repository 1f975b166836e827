//! `docker_hub_personal_token_info`: list an account's personal access tokens, or
//! show one by uuid. Read-only, so check mode runs it the same.

use serde_json::{Map, Value};

use super::{client, failure, with_rate_limit, CONNECTION_OPTIONS};
use crate::ansible::{Context, DefaultValue as D, Kind, ModuleSpec, OptionSpec as O, Outcome};
use crate::hub::tokens::AccessTokens;

pub const OPTIONS: &[O] = &[
    O::new("token", Kind::Str).required().no_log(),
    O::new("url", Kind::Str).default(D::Str("https://hub.docker.com/v2/access-tokens/")),
    O::new("uuid", Kind::Str).rule(
        is_uuid,
        "a UUID like 0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9 (8-4-4-4-12 hex digits)",
    ),
    O::new("page", Kind::Int).default(D::Int(1)).min(1),
    O::new("page_size", Kind::Int)
        .default(D::Int(100))
        .min(1)
        .max(100),
    O::new("all_pages", Kind::Bool).default(D::Bool(false)),
];

pub const SPEC: ModuleSpec = ModuleSpec {
    name: "docker_hub_personal_token_info",
    version: super::VERSION,
    option_groups: &[OPTIONS, CONNECTION_OPTIONS],
};

pub fn run(ctx: &mut Context) -> Outcome {
    let client = client(ctx)?;
    let bearer = ctx.params.str("token")?;
    let tokens = AccessTokens::new(&client, bearer);
    let reply = match ctx.params.opt_str("uuid").filter(|u| !u.is_empty()) {
        Some(uuid) => tokens.show(uuid),
        None if ctx.params.bool("all_pages")? => {
            tokens.list_all(ctx.params.int("page")?, ctx.params.int("page_size")?)
        }
        None => tokens.list(ctx.params.int("page")?, ctx.params.int("page_size")?),
    }
    .map_err(failure)?;
    let mut fields = Map::new();
    fields.insert("result".into(), Value::Object(reply.body));
    Ok(with_rate_limit(fields, reply.rate_limit))
}

/// 8-4-4-4-12 hexadecimal digits.
pub fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids() {
        assert!(is_uuid("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"));
        assert!(is_uuid("0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9"));
        for bad in [
            "",
            "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
            "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f",
            "../../etc-4e5f-6071-8293-a4b5c6d7e8f9",
            "0a1b2c3g-4e5f-6071-8293-a4b5c6d7e8f9",
            "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9-",
        ] {
            assert!(!is_uuid(bad), "{bad}");
        }
    }
}
