//! The `community.missing_collection.docker_hub_personal_token_info` module binary.
use missing_collection::{ansible, modules::docker_hub_personal_token_info as module};

fn main() {
    ansible::main(&module::SPEC, module::run)
}
