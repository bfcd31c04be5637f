//! The directory of every account's clusters: lists them all (each account
//! through its own [`ClusterApi`]) and resolves what a user typed.

use super::clusters::{ClusterApi, EmrError};
use crate::cluster::ClusterRef;
use crate::emr::ClusterSummary;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// The clusters of every account emrbot manages: the bot's own (`None`) and
/// each `[accounts.NAME]`.
#[derive(Clone, Default)]
pub struct ClusterDirectory {
    accounts: Vec<(Option<String>, Arc<dyn ClusterApi>)>,
}

/// What a [`ClusterRef`] resolved to.
#[derive(Debug)]
pub enum Resolved {
    One(ClusterSummary),
    NotFound,
    Ambiguous(Vec<ClusterSummary>),
}

impl ClusterDirectory {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_account(mut self, name: Option<String>, api: Arc<dyn ClusterApi>) -> Self {
        self.accounts.push((name, api));
        self
    }

    pub fn account(&self, name: Option<&str>) -> Option<&Arc<dyn ClusterApi>> {
        self.accounts
            .iter()
            .find(|(n, _)| n.as_deref() == name)
            .map(|(_, api)| api)
    }

    pub fn accounts(&self) -> impl Iterator<Item = (Option<&str>, &Arc<dyn ClusterApi>)> {
        self.accounts.iter().map(|(n, api)| (n.as_deref(), api))
    }

    /// Active clusters of every account, each tagged with its account. The
    /// accounts are listed concurrently; a failing account fails the whole
    /// listing so nobody acts on a partial picture.
    pub async fn list_active(&self) -> Result<Vec<ClusterSummary>, EmrError> {
        let (all, mut failed) = self.list_active_each().await;
        match failed.pop() {
            Some((_, error)) => Err(error),
            None => Ok(all),
        }
    }

    /// Active clusters of every account that answered, and the error of each
    /// account that did not (`None`: the bot's own): one unreachable account
    /// must not stop the scheduler for the others.
    pub async fn list_active_each(&self) -> (Vec<ClusterSummary>, Vec<(Option<String>, EmrError)>) {
        self.list_each(None).await
    }

    /// The ended clusters of every account created after `created_after`
    /// (see [`ClusterReader::list_ended`]), each tagged with its account; a
    /// failing account fails the whole listing, as [`Self::list_active`].
    pub async fn list_ended(
        &self,
        created_after: DateTime<Utc>,
    ) -> Result<Vec<ClusterSummary>, EmrError> {
        let (all, mut failed) = self.list_each(Some(created_after)).await;
        match failed.pop() {
            Some((_, error)) => Err(error),
            None => Ok(all),
        }
    }

    /// Every account's active clusters (`ended_since: None`) or its ended
    /// ones, concurrently.
    async fn list_each(
        &self,
        ended_since: Option<DateTime<Utc>>,
    ) -> (Vec<ClusterSummary>, Vec<(Option<String>, EmrError)>) {
        let mut tasks = tokio::task::JoinSet::new();
        for (name, api) in &self.accounts {
            let (name, api) = (name.clone(), Arc::clone(api));
            tasks.spawn(async move {
                let listed = match ended_since {
                    None => api.list_active().await,
                    Some(since) => api.list_ended(since).await,
                };
                let listed = listed.map(|mut clusters| {
                    for c in &mut clusters {
                        c.account = name.clone();
                    }
                    clusters
                });
                (name, listed)
            });
        }
        let (mut all, mut failed) = (Vec::new(), Vec::new());
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((_, Ok(clusters))) => all.extend(clusters),
                Ok((name, Err(error))) => failed.push((name, error)),
                Err(e) => failed.push((
                    None,
                    EmrError::Transient(format!("listing task failed: {e}")),
                )),
            }
        }
        all.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        (all, failed)
    }

    /// Finds the cluster a user meant: an exact id or name first, then a unique
    /// prefix of either.
    pub fn resolve(clusters: &[ClusterSummary], reference: &ClusterRef) -> Resolved {
        let r = reference.as_str();
        let exact: Vec<_> = clusters
            .iter()
            .filter(|c| c.id.as_str() == r || c.name == r)
            .cloned()
            .collect();
        let candidates = if exact.is_empty() {
            clusters
                .iter()
                .filter(|c| c.id.as_str().starts_with(r) || c.name.starts_with(r))
                .cloned()
                .collect()
        } else {
            exact
        };
        match candidates.len() {
            0 => Resolved::NotFound,
            1 => Resolved::One(candidates.into_iter().next().expect("one candidate")),
            _ => Resolved::Ambiguous(candidates),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ClusterId;
    use crate::emr::ClusterState;

    fn cluster(id: &str, name: &str) -> ClusterSummary {
        ClusterSummary {
            id: ClusterId::parse(id).unwrap(),
            name: name.into(),
            state: ClusterState::Waiting,
            account: None,
            created_at: None,
            ready_at: None,
            ended_at: None,
            normalized_instance_hours: None,
            state_reason: None,
        }
    }

    #[test]
    fn resolves_ids_names_and_unique_prefixes() {
        let all = vec![
            cluster("j-1AAA", "adhoc"),
            cluster("j-2BBB", "adhoc-big"),
            cluster("j-3CCC", "etl"),
        ];
        let r = |s: &str| ClusterDirectory::resolve(&all, &ClusterRef::parse(s).unwrap());
        assert!(matches!(r("j-2BBB"), Resolved::One(c) if c.name == "adhoc-big"));
        assert!(
            matches!(r("adhoc"), Resolved::One(c) if c.id.as_str() == "j-1AAA"),
            "exact name wins over prefix"
        );
        assert!(matches!(r("et"), Resolved::One(c) if c.name == "etl"));
        assert!(matches!(r("j-"), Resolved::Ambiguous(c) if c.len() == 3));
        assert!(matches!(r("nope"), Resolved::NotFound));
    }
}
