//! EC2's `DescribeSpotPriceHistory` as the domain's [`SpotPrices`] port:
//! Linux/UNIX prices of one instance type in one availability zone, every
//! page read. A client per region, built on first use from the shared SDK
//! config (endpoint overrides included: `AWS_ENDPOINT_URL_EC2`).

use super::{classify, to_chrono, FailureKind};
use async_trait::async_trait;
use aws_sdk_ec2::Client;
use chrono::{DateTime, Utc};
use emrbot_domain::ports::prices::{SpotHistoryError, SpotPrices};
use emrbot_domain::spot::SpotPoint;
use std::collections::HashMap;
use std::sync::Mutex;

/// Pages read at most for one query: a day of a busy type is a few pages.
const MAX_PAGES: usize = 10;

pub struct AwsSpotPrices {
    aws: aws_config::SdkConfig,
    clients: Mutex<HashMap<String, Client>>,
}

impl AwsSpotPrices {
    pub fn new(aws: &aws_config::SdkConfig) -> Self {
        Self {
            aws: aws.clone(),
            clients: Mutex::new(HashMap::new()),
        }
    }

    fn client(&self, region: &str) -> Client {
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients
            .entry(region.to_string())
            .or_insert_with(|| {
                let config = aws_sdk_ec2::config::Builder::from(&self.aws)
                    .region(aws_sdk_ec2::config::Region::new(region.to_string()))
                    .timeout_config(super::lookup_timeouts())
                    .build();
                Client::from_conf(config)
            })
            .clone()
    }
}

fn time(t: DateTime<Utc>) -> aws_sdk_ec2::primitives::DateTime {
    aws_sdk_ec2::primitives::DateTime::from_millis(t.timestamp_millis())
}

#[async_trait]
impl SpotPrices for AwsSpotPrices {
    async fn history(
        &self,
        region: &str,
        zone: &str,
        instance_type: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<SpotPoint>, SpotHistoryError> {
        let client = self.client(region);
        let mut points = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = client
                .describe_spot_price_history()
                .instance_types(aws_sdk_ec2::types::InstanceType::from(instance_type))
                .product_descriptions("Linux/UNIX")
                .availability_zone(zone)
                .start_time(time(from))
                .end_time(time(to))
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| {
                    let failure = classify(&e);
                    let why = format!("DescribeSpotPriceHistory: {failure}");
                    match failure.kind {
                        FailureKind::Transient => SpotHistoryError::Unreachable(why),
                        _ => SpotHistoryError::Refused(why),
                    }
                })?;
            for p in page.spot_price_history() {
                let at = p.timestamp().and_then(to_chrono);
                let price = p.spot_price().and_then(|s| s.parse::<f64>().ok());
                match (at, price) {
                    (Some(at), Some(usd_per_hour)) => points.push(SpotPoint { at, usd_per_hour }),
                    _ => tracing::info!(
                        instance_type,
                        zone,
                        "a spot price without a time or a number was skipped"
                    ),
                }
            }
            token = page
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        Ok(points)
    }
}
