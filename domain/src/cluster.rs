//! Names for clusters: the EMR id (`j-…`) and what a user may type to mean one.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An EMR cluster id such as `j-2AXXXXXXGAPLF`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClusterId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClusterNameError {
    #[error("`{0}` is not an EMR cluster id (they look like j-2AXXXXXXGAPLF)")]
    NotAnId(String),
    #[error("a cluster must be named: give its id, its name or a prefix of either")]
    Empty,
    #[error("a cluster reference must be at most 256 printable characters without spaces")]
    Invalid,
}

impl ClusterId {
    pub fn parse(text: &str) -> Result<Self, ClusterNameError> {
        let rest = text
            .strip_prefix("j-")
            .ok_or_else(|| ClusterNameError::NotAnId(short(text)))?;
        if rest.is_empty() || rest.len() > 32 || !rest.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ClusterNameError::NotAnId(short(text)));
        }
        Ok(Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ClusterId {
    type Error = ClusterNameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ClusterId> for String {
    fn from(id: ClusterId) -> Self {
        id.0
    }
}

impl fmt::Display for ClusterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a user typed to name a cluster: an id, a name, or a unique prefix of
/// either. Resolved against the live cluster list by the worker.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClusterRef(String);

impl ClusterRef {
    pub fn parse(text: &str) -> Result<Self, ClusterNameError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ClusterNameError::Empty);
        }
        if text.chars().count() > 256 || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ClusterNameError::Invalid);
        }
        Ok(Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id, when the reference is written as one.
    pub fn as_id(&self) -> Option<ClusterId> {
        ClusterId::parse(&self.0).ok()
    }
}

impl From<ClusterId> for ClusterRef {
    fn from(id: ClusterId) -> Self {
        Self(id.0)
    }
}

impl TryFrom<String> for ClusterRef {
    type Error = ClusterNameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ClusterRef> for String {
    fn from(r: ClusterRef) -> Self {
        r.0
    }
}

impl fmt::Display for ClusterRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn short(text: &str) -> String {
    text.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_emr_ids() {
        assert!(ClusterId::parse("j-2AXXXXXXGAPLF").is_ok());
        for bad in ["", "j-", "x-123", "j-12 3", "j-ab_c"] {
            assert!(ClusterId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn references_accept_names_and_prefixes() {
        assert_eq!(ClusterRef::parse(" adhoc ").unwrap().as_str(), "adhoc");
        assert!(ClusterRef::parse("j-1ABC").unwrap().as_id().is_some());
        assert!(ClusterRef::parse("adhoc").unwrap().as_id().is_none());
        assert_eq!(ClusterRef::parse(""), Err(ClusterNameError::Empty));
        assert_eq!(ClusterRef::parse("a b"), Err(ClusterNameError::Invalid));
    }
}
