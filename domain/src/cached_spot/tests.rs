use super::*;
use crate::ports::StoreError;
use std::sync::Mutex;

fn at(minutes: i64) -> DateTime<Utc> {
    "2026-12-07T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + chrono::Duration::minutes(minutes)
}

fn point(minutes: i64, usd: f64) -> SpotPoint {
    SpotPoint {
        at: at(minutes),
        usd_per_hour: usd,
    }
}

/// EC2 as a step function of the points given; records each query's `from`.
struct Ec2 {
    points: Vec<SpotPoint>,
    asked: Mutex<Vec<DateTime<Utc>>>,
}

#[async_trait]
impl SpotPrices for Ec2 {
    async fn history(
        &self,
        _: &str,
        _: &str,
        _: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<SpotPoint>, SpotHistoryError> {
        self.asked.lock().unwrap().push(from);
        // The price in effect at `from`, then every change up to `to`.
        let in_effect = self.points.iter().rfind(|p| p.at <= from).copied();
        let after = self
            .points
            .iter()
            .filter(|p| p.at > from && p.at <= to)
            .copied();
        Ok(in_effect.into_iter().chain(after).collect())
    }
}

#[derive(Default)]
struct Memory(Mutex<Option<CachedSpotHistory>>);

#[async_trait]
impl SpotHistoryCache for Memory {
    async fn get(
        &self,
        _: &str,
        _: &str,
        _: &str,
    ) -> Result<Option<CachedSpotHistory>, StoreError> {
        Ok(self.0.lock().unwrap().clone())
    }
    async fn put(
        &self,
        _: &str,
        _: &str,
        _: &str,
        c: &CachedSpotHistory,
    ) -> Result<(), StoreError> {
        *self.0.lock().unwrap() = Some(c.clone());
        Ok(())
    }
}

struct Now(Mutex<DateTime<Utc>>);

impl Clock for Now {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

#[tokio::test]
async fn a_history_is_read_once_then_only_from_when_it_was_last_read() {
    let ec2 = Arc::new(Ec2 {
        points: vec![point(-60, 0.10), point(30, 0.12), point(90, 0.08)],
        asked: Mutex::new(Vec::new()),
    });
    let clock = Arc::new(Now(Mutex::new(at(60))));
    let cached = CachedSpotPrices::new(ec2.clone(), Arc::new(Memory::default()), clock.clone());
    let read = |from, to| cached.history("us-east-1", "us-east-1a", "m5.xlarge", from, to);

    let first = read(at(0), at(60)).await.unwrap();
    assert_eq!(first, [point(-60, 0.10), point(30, 0.12)]);
    // Within SPOT_TTL: no call; a later start is served from what is kept.
    *clock.0.lock().unwrap() = at(70);
    assert_eq!(read(at(10), at(70)).await.unwrap(), first);
    assert_eq!(ec2.asked.lock().unwrap().len(), 1);
    // Past it: EC2 is asked only from the last read, and the change is merged.
    *clock.0.lock().unwrap() = at(120);
    let later = read(at(0), at(120)).await.unwrap();
    assert_eq!(later, [point(-60, 0.10), point(30, 0.12), point(90, 0.08)]);
    assert_eq!(*ec2.asked.lock().unwrap(), [at(0), at(60)]);
    // An earlier start than was kept reads the whole window again.
    read(at(-30), at(120)).await.unwrap();
    assert_eq!(ec2.asked.lock().unwrap().last(), Some(&at(-30)));
}
