//! `resize <cluster> <group> <count> [spot <count>]`: the rules are
//! `emrbot_domain::decide::resize` (locks, groups, preset bounds); here, the
//! reads they need, the EMR call and the reply.

use crate::handled::{About, AboutCluster, Done, Failed, Reply};
use crate::Worker;
use emrbot_domain::cluster::ClusterRef;
use emrbot_domain::decide::resize::{self as decide, Limits};
use emrbot_domain::decide::Changed;
use emrbot_domain::message::Requester;

impl Worker {
    pub(crate) async fn resize(
        &self,
        requester: &Requester,
        reference: &ClusterRef,
        ask: decide::Ask,
    ) -> Result<Done, Failed> {
        let (c, api) = self.resolve(reference).await?;
        let about = About::of(&c);
        let lock = self.locks.get(&c.id).await.about(&about)?;
        decide::past_lock(
            self.asker(requester),
            lock.as_ref(),
            ask.force,
            self.clock.now(),
        )
        .about(&about)?;
        let detail = api.describe(&c.id).await.about(&about)?;
        let limits = Limits {
            presets: &self.config.presets,
            max_instances: self.config.policy.max_instances,
        };
        let resize = decide::resize(&detail.groups, &detail.tags, &ask, limits).about(&about)?;
        match resize.fleet {
            Some(target) => api.resize_fleet(&c.id, &resize.group.id, target).await,
            None => api.resize_group(&c.id, &resize.group.id, ask.count).await,
        }
        .about(&about)?;
        self.forget_description(&c.id).await;
        Ok(Done {
            note: resize.audit(),
            reply: Some(Reply::Changed(Box::new(Changed::Resized {
                by: requester.display(),
                cluster: c,
                resize,
            }))),
            about,
        })
    }
}
