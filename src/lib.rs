//! Ansible binary modules of `community.missing_collection`, in three rooms:
//!
//! - [`ansible`]: the generic binary-module runtime (args file, option spec, type
//!   conversion, validation, masking of secrets, the result object);
//! - [`hub`]: a small blocking Docker Hub API client (transport, TLS, errors, calls);
//! - [`modules`]: the modules themselves, a spec and a few lines of logic each.

pub mod ansible;
pub mod hub;
pub mod json;
pub mod modules;
