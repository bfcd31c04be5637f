//! Envelopes already handled: Slack redelivers an envelope it saw no
//! acknowledgement for (a dropped connection, a slow answer), sometimes while
//! the first delivery is still being handled. Each envelope id is handled
//! once; a redelivery waits for that one result and is acknowledged with it.

use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// What an envelope's acknowledgement carries (`None`: a bare ack).
pub type AckPayload = Option<Value>;

/// One envelope's result, shared by its deliveries.
type Outcome = Arc<OnceCell<AckPayload>>;

pub struct SeenEnvelopes {
    /// The outcomes by envelope id, and the ids oldest first (for eviction).
    inner: Mutex<(HashMap<String, Outcome>, VecDeque<String>)>,
    capacity: usize,
}

impl SeenEnvelopes {
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new((HashMap::new(), VecDeque::new())),
            capacity: capacity.max(1),
        }
    }

    /// The result of handling `envelope_id`: `handle` runs for its first
    /// delivery only. The flag says whether this call ran it.
    pub async fn once<F>(&self, envelope_id: &str, handle: F) -> (AckPayload, bool)
    where
        F: Future<Output = AckPayload>,
    {
        let cell = self.cell(envelope_id);
        let mut ran = false;
        let payload = cell
            .get_or_init(|| {
                ran = true;
                handle
            })
            .await
            .clone();
        (payload, ran)
    }

    fn cell(&self, envelope_id: &str) -> Outcome {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (cells, order) = &mut *guard;
        if let Some(cell) = cells.get(envelope_id) {
            return cell.clone();
        }
        let cell = Arc::new(OnceCell::new());
        cells.insert(envelope_id.to_string(), cell.clone());
        order.push_back(envelope_id.to_string());
        while order.len() > self.capacity {
            if let Some(old) = order.pop_front() {
                cells.remove(&old);
            }
        }
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn a_redelivery_gets_the_first_result_without_running_again() {
        let seen = SeenEnvelopes::new(8);
        let (first, ran) = seen.once("e1", async { Some(json!(1)) }).await;
        assert_eq!((first, ran), (Some(json!(1)), true));
        let (again, ran) = seen.once("e1", async { Some(json!(2)) }).await;
        assert_eq!((again, ran), (Some(json!(1)), false));
        let (other, ran) = seen.once("e2", async { None }).await;
        assert_eq!((other, ran), (None, true));
    }

    #[tokio::test]
    async fn concurrent_deliveries_share_one_run() {
        let seen = Arc::new(SeenEnvelopes::new(8));
        let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let deliveries = (0..3).map(|_| {
            let (seen, runs) = (seen.clone(), runs.clone());
            tokio::spawn(async move {
                seen.once("e1", async move {
                    runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    Some(json!("done"))
                })
                .await
                .0
            })
        });
        for delivery in deliveries {
            assert_eq!(delivery.await.unwrap(), Some(json!("done")));
        }
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
