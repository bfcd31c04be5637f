//! Requests this process has already put on the queue, so that a Slack retry
//! (`X-Slack-Retry-Num`) or a replay of the same signed request reaching the
//! same warm Lambda is acknowledged without a second message. Across Lambda
//! instances the derived message id does the job: the worker acts on an id at
//! most once, and a FIFO queue drops the duplicate itself (docs in README).

use emrbot_domain::MessageId;
use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

pub struct RecentIds {
    inner: Mutex<(HashSet<MessageId>, VecDeque<MessageId>)>,
    capacity: usize,
}

impl RecentIds {
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new((HashSet::new(), VecDeque::new())),
            capacity: capacity.max(1),
        }
    }

    /// Records `id`; `false` if it was already there (in flight or enqueued).
    pub fn claim(&self, id: &MessageId) -> bool {
        let mut guard = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (set, order) = &mut *guard;
        if !set.insert(id.clone()) {
            return false;
        }
        order.push_back(id.clone());
        while order.len() > self.capacity {
            if let Some(old) = order.pop_front() {
                set.remove(&old);
            }
        }
        true
    }

    /// Forgets `id` (its enqueue failed, so a retry must try again).
    pub fn release(&self, id: &MessageId) {
        let mut guard = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (set, order) = &mut *guard;
        set.remove(id);
        order.retain(|x| x != id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_once_until_released_or_evicted() {
        let r = RecentIds::new(2);
        let (a, b, c) = (
            MessageId::derived("t", b"a"),
            MessageId::derived("t", b"b"),
            MessageId::derived("t", b"c"),
        );
        assert!(r.claim(&a));
        assert!(!r.claim(&a));
        r.release(&a);
        assert!(r.claim(&a));
        assert!(r.claim(&b) && r.claim(&c));
        assert!(r.claim(&a), "a was evicted by capacity");
    }
}
