//! DynamoDB-backed state: locks (and, as the worker grows, deduplication,
//! credentials and the audit log). One table; see docs/ARCHITECTURE.md.

pub mod audit;
pub mod credentials;
pub mod dedup;
pub mod launches;
pub mod locks;
pub mod table;

pub use audit::{AuditEntry, AuditLog, DynamoAuditLog};
pub use credentials::{CredentialStore, DynamoCredentialStore, TemporaryCredentials};
pub use dedup::{Claim, DedupStore, DynamoDedupStore};
pub use launches::{DynamoLaunchStore, LaunchRecord, LaunchStore};

pub use locks::{DynamoLockStore, Lock, LockError, LockStore};
pub use table::{ensure_table, StoreError};
