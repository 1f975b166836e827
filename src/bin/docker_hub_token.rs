//! The `community.missing_collection.docker_hub_token` module binary.
use missing_collection::{ansible, modules::docker_hub_token as module};

fn main() {
    ansible::main(&module::SPEC, module::run)
}
