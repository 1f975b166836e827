//! `docker_hub_token`: log in and return the JWT the other modules take as `token`.
//! Nothing on the account changes, so check mode runs it the same.

use serde_json::{Map, Value};

use super::{client, failure, with_rate_limit, CONNECTION_OPTIONS};
use crate::ansible::{
    Context, DefaultValue as D, Failure, Kind, ModuleSpec, OptionSpec as O, Outcome,
};
use crate::hub::login::{login, second_factor, Login};

pub const OPTIONS: &[O] = &[
    O::new("username", Kind::Str).required(),
    O::new("password", Kind::Str).required().no_log(),
    O::new("url", Kind::Str).default(D::Str("https://hub.docker.com/v2/users/login")),
    O::new("code", Kind::Str).no_log(),
];

pub const SPEC: ModuleSpec = ModuleSpec {
    name: "docker_hub_token",
    version: super::VERSION,
    option_groups: &[OPTIONS, CONNECTION_OPTIONS],
};

pub fn run(ctx: &mut Context) -> Outcome {
    let client = client(ctx)?;
    let username = ctx.params.str("username")?.to_owned();
    let password = ctx.params.str("password")?.to_owned();
    let (token, reply) = match login(&client, &username, &password).map_err(failure)? {
        Login::Token(token, reply) => (token, reply),
        Login::SecondFactor { ticket } => {
            ctx.add_secret(&ticket);
            let Some(code) = ctx.params.opt_str("code").filter(|c| !c.is_empty()) else {
                return Err(Failure::new(format!(
                    "two-factor authentication is on for the Docker Hub account '{username}': \
                     set code to the current code from the authenticator app"
                )));
            };
            second_factor(&client, &ticket, code).map_err(failure)?
        }
    };
    let mut fields = Map::new();
    fields.insert("token".into(), Value::String(token));
    Ok(with_rate_limit(fields, reply.rate_limit))
}
