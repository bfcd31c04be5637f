//! `launch <preset> [name]`: RunJobFlow once per message, and a reply that
//! EMR's state-change events move forward (events.rs). The rules (preset,
//! name, this message's earlier launch, the request): `decide::launch`.

use crate::handled::{About, AboutCluster, Done, Failed};
use crate::Worker;
use emrbot_domain::decide::launch as decide;
use emrbot_domain::message::{CommandMessage, ReplyTo};
use emrbot_domain::ports::launches::LaunchRecord;
use emrbot_shared::slack::render;

impl Worker {
    pub(crate) async fn launch(
        &self,
        message: &CommandMessage,
        preset_name: &str,
        cluster_name: Option<&str>,
    ) -> Result<Done, Failed> {
        let preset = decide::preset(&self.config.presets, preset_name)?;
        let mut about = About {
            account: preset.account.clone(),
            ..About::default()
        };
        let account = preset.account.as_deref();
        let api = self.api_of(account).about(&about)?;
        let requester = &message.requested_by;
        let name = decide::cluster_name(preset_name, cluster_name, requester, message.issued_at);
        let everywhere = self.clusters.list_active().await.about(&about)?;
        let candidates = decide::name_clash(&everywhere, &name, account).about(&about)?;
        // Only same-name clusters of the account have their tags read.
        let tags = match candidates.is_empty() {
            true => Default::default(),
            false => api.tags_of(&candidates).await.about(&about)?,
        };
        let earlier =
            decide::earlier_launch(&candidates, &tags, &message.id, &name).about(&about)?;
        let id = match earlier {
            Some(id) => {
                tracing::warn!(cluster = %id, "this message already launched a cluster; not launching again");
                id
            }
            None => {
                let spec = decide::spec(preset_name, preset, &name, requester, &message.id);
                api.launch(&spec).await.about(&about)?
            }
        };
        tracing::info!(cluster = %id, preset = preset_name, "launched");
        about.cluster = Some(id.clone());
        about.name = Some(name.clone());
        let requester = requester.display();
        // Stored before replying, so a state-change event that arrives at once finds it.
        let mut record = LaunchRecord {
            cluster: id.clone(),
            account: preset.account.clone(),
            preset: preset_name.to_string(),
            name: name.clone(),
            requested_by: requester.clone(),
            reply_to: message.reply_to.clone(),
            issued_at: message.issued_at,
            response_uses: 0,
            channel_ts: None,
            last_state: Some("STARTING".into()),
        };
        let text = render::launch_progress(
            &name,
            id.as_str(),
            preset.account.as_deref(),
            preset_name,
            "STARTING",
            None,
            &requester,
        );
        if let Err(e) = self.launches.put(&record).await {
            tracing::warn!(error = %e, "could not store the launch; progress will not be shown");
        }
        let route = self.route(&message.reply_to, message.issued_at, 0);
        if matches!(route, ReplyTo::ResponseUrl { .. }) {
            record.response_uses = 1;
        }
        if let Some(posted) = self
            .deliver(&message.reply_to, message.issued_at, &text.in_channel())
            .await
        {
            if matches!(route, ReplyTo::Channel { .. }) {
                record.channel_ts = posted.ts;
            }
        }
        if let Err(e) = self.launches.put(&record).await {
            tracing::warn!(error = %e, "could not store the launch's reply");
        }
        Ok(Done {
            reply: None,
            note: decide::audit(preset_name, &name),
            about,
        })
    }
}
