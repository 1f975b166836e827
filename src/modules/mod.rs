//! The modules: each a spec and a few lines of logic on top of [`crate::ansible`]
//! and [`crate::hub`]. What they share (connection options, error mapping) is here.

pub mod docker_hub_personal_token_info;
pub mod docker_hub_token;

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::ansible::{Context, DefaultValue as D, Failure, Kind, OptionSpec as O};
use crate::hub::{self, Client, Endpoint, Settings};

/// The collection's version, sent in the User-Agent.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Connection options every module takes, defined once.
pub const CONNECTION_OPTIONS: &[O] = &[
    O::new("validate_certs", Kind::Bool).default(D::Bool(true)),
    O::new("ca_path", Kind::Path),
    O::new("timeout", Kind::Int)
        .default(D::Int(30))
        .min(1)
        .max(3600),
    O::new("use_proxy", Kind::Bool).default(D::Bool(true)),
    O::new("retries", Kind::Int)
        .default(D::Int(3))
        .min(0)
        .max(10),
];

/// A client for the `url` option, set up from the connection options.
pub fn client(ctx: &mut Context) -> Result<Client, Failure> {
    let endpoint = Endpoint::parse(ctx.params.str("url")?).map_err(failure)?;
    let validate_certs = ctx.params.bool("validate_certs")?;
    if !validate_certs {
        ctx.warn(format!(
            "validate_certs is false: the certificate of {} is not checked, so anyone on the path \
             can read the credentials. Use it for testing only; prefer ca_path",
            endpoint.origin.host
        ));
    }
    let settings = Settings {
        validate_certs,
        ca_path: ctx
            .params
            .opt_str("ca_path")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from),
        timeout: Duration::from_secs(ctx.params.int("timeout")?.unsigned_abs()),
        use_proxy: ctx.params.bool("use_proxy")?,
        retries: u32::try_from(ctx.params.int("retries")?).unwrap_or(0),
        user_agent: format!("{}/{}", ctx.spec.fqcn(), ctx.spec.version),
    };
    Client::new(endpoint, settings).map_err(failure)
}

/// A client error as an Ansible failure: the message, plus `status` and `code` (the
/// name the 2021 Python module used) for HTTP errors, and the API's error body.
pub fn failure(error: hub::Error) -> Failure {
    let mut out = Failure::new(error.to_string());
    if let Some(status) = error.status() {
        out = out.with("status", status).with("code", status);
    }
    if let Some(body) = error.body() {
        out = out.with("response", body.clone());
    }
    out
}

/// Adds the rate-limit headers of the last response, when the server sent them.
pub fn with_rate_limit(
    mut fields: Map<String, Value>,
    rate_limit: Option<Map<String, Value>>,
) -> Map<String, Value> {
    if let Some(limits) = rate_limit {
        fields.insert("rate_limit".into(), Value::Object(limits));
    }
    fields
}
