//! Cost Explorer (`ce:GetCostAndUsage`) as the domain's [`BilledCosts`]
//! port: the unblended cost of a period of whole UTC days, grouped by a cost
//! allocation tag, every page read. Cost Explorer's endpoint is in us-east-1
//! only ([`COST_EXPLORER_REGION`]) and answers for the account whose
//! credentials ask (a management account: every linked account).
//! `AWS_ENDPOINT_URL_COST_EXPLORER` (or `AWS_ENDPOINT_URL`) points it
//! elsewhere, as for every service.

use super::{classify, FailureKind};
use async_trait::async_trait;
use aws_sdk_costexplorer::types::{
    DateInterval, Granularity, GroupDefinition, GroupDefinitionType,
};
use aws_sdk_costexplorer::Client;
use emrbot_domain::billing::{Bill, Period};
use emrbot_domain::ports::billing::{BilledCosts, BillingError};

pub const COST_EXPLORER_REGION: &str = "us-east-1";

/// The metric the bill is read in: what each line item cost, before any
/// sharing of discounts across accounts.
const METRIC: &str = "UnblendedCost";

/// Pages read at most: a page holds every group of a month or so.
const MAX_PAGES: usize = 20;

pub struct AwsBilledCosts {
    client: Client,
}

impl AwsBilledCosts {
    /// A client for Cost Explorer's endpoint, with the rest of `aws`'s
    /// configuration (credentials, endpoint overrides).
    pub fn new(aws: &aws_config::SdkConfig) -> Self {
        let config = aws_sdk_costexplorer::config::Builder::from(aws)
            .region(aws_sdk_costexplorer::config::Region::new(
                COST_EXPLORER_REGION,
            ))
            .timeout_config(super::lookup_timeouts())
            .build();
        Self {
            client: Client::from_conf(config),
        }
    }
}

#[async_trait]
impl BilledCosts for AwsBilledCosts {
    async fn by_tag(&self, tag: &str, period: Period) -> Result<Bill, BillingError> {
        let interval = DateInterval::builder()
            .start(period.start.format("%Y-%m-%d").to_string())
            .end(period.end.format("%Y-%m-%d").to_string())
            .build()
            .map_err(|e| BillingError::Denied(e.to_string()))?;
        let group = GroupDefinition::builder()
            .r#type(GroupDefinitionType::Tag)
            .key(tag)
            .build();
        let mut bill = Bill::default();
        let mut token = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .client
                .get_cost_and_usage()
                .time_period(interval.clone())
                .granularity(Granularity::Monthly)
                .metrics(METRIC)
                .group_by(group.clone())
                .set_next_page_token(token)
                .send()
                .await
                .map_err(|e| billing_error(&e))?;
            for result in page.results_by_time() {
                bill.estimated |= result.estimated();
                for g in result.groups() {
                    let Some(key) = g.keys().first() else {
                        continue;
                    };
                    let Some(usd) = g.metrics().and_then(|m| m.get(METRIC)).and_then(usd_of) else {
                        tracing::warn!(
                            group = key,
                            "a billed cost that is not in USD was left out"
                        );
                        continue;
                    };
                    match tag_value(key, tag) {
                        Some(value) => *bill.by_tag.entry(value.to_string()).or_default() += usd,
                        None => bill.untagged += usd,
                    }
                }
            }
            token = page
                .next_page_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        Ok(bill)
    }
}

/// An amount in USD; another currency or a malformed amount is `None`.
fn usd_of(metric: &aws_sdk_costexplorer::types::MetricValue) -> Option<f64> {
    if metric.unit() != Some("USD") {
        return None;
    }
    metric
        .amount()?
        .parse::<f64>()
        .ok()
        .filter(|a| a.is_finite())
}

/// The tag's value in a group key (`emrbot:cluster$etl-nightly`); `None` for
/// the costs without the tag (`emrbot:cluster$`).
fn tag_value<'a>(key: &'a str, tag: &str) -> Option<&'a str> {
    let value = key
        .strip_prefix(tag)
        .and_then(|rest| rest.strip_prefix('$'))
        .unwrap_or(key);
    (!value.is_empty()).then_some(value)
}

fn billing_error<E: aws_sdk_costexplorer::error::ProvideErrorMetadata>(
    err: &aws_sdk_costexplorer::error::SdkError<
        E,
        aws_sdk_costexplorer::config::http::HttpResponse,
    >,
) -> BillingError {
    let failure = classify(err);
    let why = format!("GetCostAndUsage: {failure}");
    let lower = failure.to_string().to_ascii_lowercase();
    // "User not enabled for cost explorer access", or data not ready yet.
    if lower.contains("not enabled") || failure.code == "DataUnavailableException" {
        return BillingError::NotEnabled(why);
    }
    match failure.kind {
        FailureKind::Transient => BillingError::Unreachable(why),
        _ => BillingError::Denied(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_key_gives_the_tag_value_and_an_empty_value_is_untagged() {
        assert_eq!(
            tag_value("emrbot:cluster$etl", "emrbot:cluster"),
            Some("etl")
        );
        assert_eq!(tag_value("emrbot:cluster$", "emrbot:cluster"), None);
        // A value with the separator in it keeps it.
        assert_eq!(tag_value("team$a$b", "team"), Some("a$b"));
    }

    #[test]
    fn only_usd_amounts_count() {
        use aws_sdk_costexplorer::types::MetricValue;
        let value =
            |amount: &str, unit: &str| MetricValue::builder().amount(amount).unit(unit).build();
        assert_eq!(usd_of(&value("12.5", "USD")), Some(12.5));
        assert_eq!(usd_of(&value("12.5", "EUR")), None);
        assert_eq!(usd_of(&value("lots", "USD")), None);
        assert_eq!(usd_of(&value("NaN", "USD")), None);
    }
}
