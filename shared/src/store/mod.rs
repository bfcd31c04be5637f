//! DynamoDB-backed state: locks (and, as the worker grows, deduplication,
//! credentials and the audit log). One table; see docs/ARCHITECTURE.md.

pub mod locks;
pub mod table;

pub use locks::{DynamoLockStore, Lock, LockError, LockStore};
pub use table::{ensure_table, StoreError};
