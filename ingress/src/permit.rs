//! What the ingress refuses at the door, before anything is queued: actions
//! the channel does not allow, `force` from non-admins, unknown presets. The
//! worker checks permissions again (other producers use the queue too).

use crate::Ingress;
use emrbot_domain::command::Command;
use emrbot_domain::message::Requester;
use emrbot_domain::refusal::Refusal;
use emrbot_shared::slack::render;

impl Ingress {
    /// Channel allow-list and admin rules, checked at the door; `Err` is the
    /// message for the user.
    pub(crate) fn permit(&self, requester: &Requester, command: &Command) -> Result<(), Refusal> {
        let permissions = &self.config.permissions;
        let action = command.action();
        if !permissions.allows(requester, action) {
            return Err(Refusal::NotPermitted {
                who: requester.display(),
                action,
                is_service: false,
            });
        }
        if let Command::Terminate { force: true, .. } = command {
            if !permissions.is_admin(requester) {
                return Err(Refusal::ForceNeedsAdmin);
            }
        }
        if let Command::Launch { preset, .. } = command {
            if !self.config.presets.contains_key(preset) {
                return Err(Refusal::NoSuchPreset {
                    preset: preset.clone(),
                    known: self.config.presets.keys().cloned().collect(),
                });
            }
        }
        Ok(())
    }

    pub(crate) fn refusal_text(&self, refusal: &Refusal, slash: &str) -> String {
        render::refusal::at_the_door(refusal, slash)
    }
}
