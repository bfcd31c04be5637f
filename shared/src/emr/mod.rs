//! EMR access: the [`ClusterApi`] port, the domain model, and the AWS adapter.

pub mod aws;
pub mod model;
pub mod port;

pub use model::*;
pub use port::{ClusterApi, ClusterDirectory, EmrError};
