//! A small blocking client of the Docker Hub API: only what the modules need.

pub mod endpoint;
pub mod error;
pub mod login;
pub mod tokens;
pub mod transport;

pub use endpoint::Endpoint;
pub use error::Error;
pub use transport::{Client, Reply, Settings};
