//! The DynamoDB adapters of the state ports, over one table (single-table
//! design; the data model is in docs/ARCHITECTURE.md). `table` holds the
//! plumbing they share: keys, attribute conversions, error sorting, batches.

pub mod audit;
pub mod dedup;
pub mod descriptions;
pub mod launches;
pub mod locks;
pub mod policy;
pub mod prices;
mod sched;
pub mod table;

pub use audit::DynamoAuditLog;
pub use dedup::DynamoDedupStore;
pub use descriptions::DynamoDescriptionCache;
pub use launches::DynamoLaunchStore;
pub use locks::DynamoLockStore;
pub use policy::DynamoPolicyStore;
pub use prices::{DynamoPriceCache, DynamoSpotHistoryCache};
pub use table::ensure_table;
