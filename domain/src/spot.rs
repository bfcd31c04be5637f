//! Spot prices as they were: EC2's spot price history of an instance type
//! in an availability zone, a step function (each price holds until the
//! next), averaged over the hours an instance ran. EMR's uplift is the same
//! for spot as for on-demand, so a spot instance-hour costs the average spot
//! price plus EMR's price.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// From `at` on, the spot price was `usd_per_hour` (until the next point).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpotPoint {
    pub at: DateTime<Utc>,
    pub usd_per_hour: f64,
}

/// The spot price histories a reply needs, by (zone, instance type), each
/// oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpotBook {
    histories: BTreeMap<(String, String), Vec<SpotPoint>>,
}

impl SpotBook {
    pub fn insert(&mut self, zone: &str, instance_type: &str, mut points: Vec<SpotPoint>) {
        points.retain(|p| p.usd_per_hour.is_finite() && p.usd_per_hour > 0.0);
        points.sort_by_key(|p| p.at);
        if !points.is_empty() {
            self.histories
                .insert((zone.to_string(), instance_type.to_string()), points);
        }
    }

    fn history(&self, zone: &str, instance_type: &str) -> Option<&[SpotPoint]> {
        self.histories
            .get(&(zone.to_string(), instance_type.to_string()))
            .map(Vec::as_slice)
    }

    /// The average spot price over `[from, to)`, weighted by time.
    pub fn average(
        &self,
        zone: &str,
        instance_type: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Option<f64> {
        average(self.history(zone, instance_type)?, from, to)
    }

    /// The price in effect at `at` (the latest point before it, else the first).
    pub fn at(&self, zone: &str, instance_type: &str, at: DateTime<Utc>) -> Option<f64> {
        let points = self.history(zone, instance_type)?;
        points
            .iter()
            .rev()
            .find(|p| p.at <= at)
            .or(points.first())
            .map(|p| p.usd_per_hour)
    }
}

/// The time-weighted average of the step function `points` over
/// `[from, to)`. Before the first point, the first price holds (the history
/// AWS returns starts with the price in effect at its start time). An empty
/// interval takes the price in effect at `from`.
pub fn average(points: &[SpotPoint], from: DateTime<Utc>, to: DateTime<Utc>) -> Option<f64> {
    let first = points.first()?;
    let in_effect = |t: DateTime<Utc>| {
        points
            .iter()
            .rev()
            .find(|p| p.at <= t)
            .unwrap_or(first)
            .usd_per_hour
    };
    if to <= from {
        return Some(in_effect(from));
    }
    let mut total = 0.0;
    let mut start = from;
    let mut price = in_effect(from);
    for p in points.iter().filter(|p| p.at > from && p.at < to) {
        total += price * (p.at - start).num_milliseconds() as f64;
        start = p.at;
        price = p.usd_per_hour;
    }
    total += price * (to - start).num_milliseconds() as f64;
    Some(total / (to - from).num_milliseconds() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64) -> DateTime<Utc> {
        "2026-12-07T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + chrono::Duration::hours(h)
    }

    fn point(h: i64, usd: f64) -> SpotPoint {
        SpotPoint {
            at: at(h),
            usd_per_hour: usd,
        }
    }

    #[test]
    fn the_average_weighs_each_price_by_how_long_it_held() {
        // 0.10 from before the start, 0.40 from 3h: over [1h, 5h) that is
        // 2h at 0.10 and 2h at 0.40.
        let history = [point(-2, 0.10), point(3, 0.40), point(9, 9.0)];
        let avg = average(&history, at(1), at(5)).unwrap();
        assert!((avg - 0.25).abs() < 1e-12, "{avg}");
        // Wholly before the first point: the first price.
        assert_eq!(average(&history, at(-5), at(-4)), Some(0.10));
        // An instance that has not run yet: the price in effect.
        assert_eq!(average(&history, at(4), at(4)), Some(0.40));
        assert_eq!(average(&[], at(0), at(1)), None);
    }

    #[test]
    fn a_book_keeps_only_real_prices_in_order() {
        let mut book = SpotBook::default();
        book.insert(
            "us-east-1a",
            "m5.xlarge",
            vec![
                point(3, 0.40),
                point(-2, 0.10),
                point(1, f64::NAN),
                point(2, 0.0),
            ],
        );
        book.insert("us-east-1a", "r5.xlarge", vec![point(0, -1.0)]);
        assert_eq!(book.at("us-east-1a", "m5.xlarge", at(2)), Some(0.10));
        assert_eq!(book.at("us-east-1a", "m5.xlarge", at(4)), Some(0.40));
        assert_eq!(
            book.at("us-east-1b", "m5.xlarge", at(4)),
            None,
            "another zone"
        );
        assert_eq!(
            book.at("us-east-1a", "r5.xlarge", at(4)),
            None,
            "no real price"
        );
        let avg = book
            .average("us-east-1a", "m5.xlarge", at(1), at(5))
            .unwrap();
        assert!((avg - 0.25).abs() < 1e-12);
    }
}
