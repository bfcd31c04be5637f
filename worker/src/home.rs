//! The App Home tab (`app_home_opened`): what matters to the user who opened
//! it, from the same fates as `plan`.

use crate::error::CommandError;
use crate::Worker;
use emrbot_domain::message::Requester;
use emrbot_domain::policy::plan::Fate;
use emrbot_shared::slack::render;
use emrbot_shared::slack::SlackMessage;

/// "Soon" on the Home tab.
const SOON: chrono::Duration = chrono::Duration::hours(24);

impl Worker {
    pub(crate) async fn home(&self, requester: &Requester) -> Result<SlackMessage, CommandError> {
        let Requester::Slack { user_id, .. } = requester else {
            return Err(CommandError::Refused(emrbot_domain::refusal::Refusal::Emr(
                "an App Home belongs to a Slack user".into(),
            )));
        };
        let (planned, savings) = tokio::join!(
            self.planned(crate::plan::Describe::Due),
            self.week_savings(self.clock.now())
        );
        let planned = planned?;
        let views = planned.views();
        let now = planned.now;
        let held: Vec<_> = views
            .iter()
            .filter(|v| {
                v.lock
                    .is_some_and(|l| l.is_active(now) && l.holder == *user_id)
            })
            .cloned()
            .collect();
        let soon: Vec<_> = views
            .iter()
            .filter(|v| {
                !v.protected && matches!(v.fate, Fate::Terminates { at, .. } if at <= now + SOON)
            })
            .cloned()
            .collect();
        Ok(render::home(
            &render::Home {
                held: &held,
                soon: &soon,
                active: views.len(),
                unreachable: &planned.unreachable,
                savings: savings.as_ref(),
            },
            &self.config.slack.command,
            &self.config.policy,
            now,
            self.config.timezone,
        ))
    }
}
