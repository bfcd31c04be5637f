//! The AWS Price List Query API (`pricing:GetProducts`) as the domain's
//! [`PriceList`] port: one query per (service, region, instance type),
//! narrowed by `TERM_MATCH` filters, every page read, and the product chosen
//! by `emrbot_domain::pricelist` from its own attributes.
//!
//! The API is served in us-east-1 (and a few other regions) and answers
//! for every region, so emrbot asks us-east-1 whatever the cluster's
//! region ([`PRICE_LIST_REGION`]): it is the endpoint with the widest
//! coverage, and the cluster's own region usually has none.
//! `AWS_ENDPOINT_URL_PRICING` (or `AWS_ENDPOINT_URL`) points it elsewhere,
//! as for every service.

use super::{classify, FailureKind};
use async_trait::async_trait;
use aws_sdk_pricing::types::{Filter, FilterType};
use aws_sdk_pricing::Client;
use emrbot_domain::ports::prices::{PriceList, PriceListError};
use emrbot_domain::pricelist::{self, ListedPrice, Service};

/// The region whose Price List endpoint emrbot asks.
pub const PRICE_LIST_REGION: &str = "us-east-1";

/// Pages read at most for one query: the filters leave one product, or a
/// handful; a server that pages on and on is cut off.
const MAX_PAGES: usize = 10;

pub struct AwsPriceList {
    client: Client,
}

impl AwsPriceList {
    /// A client for the Price List endpoint of [`PRICE_LIST_REGION`], with
    /// the rest of `aws`'s configuration (credentials, endpoint overrides).
    pub fn new(aws: &aws_config::SdkConfig) -> Self {
        let config = aws_sdk_pricing::config::Builder::from(aws)
            .region(aws_sdk_pricing::config::Region::new(PRICE_LIST_REGION))
            .timeout_config(super::lookup_timeouts())
            .build();
        Self::from_client(Client::from_conf(config))
    }

    pub fn from_client(client: Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl PriceList for AwsPriceList {
    async fn hourly(
        &self,
        service: Service,
        region: &str,
        instance_type: &str,
    ) -> Result<Option<ListedPrice>, PriceListError> {
        let filters = pricelist::filters(service, region, instance_type)
            .into_iter()
            .map(|(field, value)| {
                Filter::builder()
                    .r#type(FilterType::TermMatch)
                    .field(field)
                    .value(value)
                    .build()
                    .expect("type, field and value are set")
            })
            .collect::<Vec<_>>();
        let mut documents = Vec::new();
        let mut token = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .client
                .get_products()
                .service_code(service.code())
                .format_version("aws_v1")
                .set_filters(Some(filters.clone()))
                .max_results(100)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| {
                    let failure = classify(&e);
                    let why = format!("GetProducts: {failure}");
                    match failure.kind {
                        FailureKind::Transient => PriceListError::Unreachable(why),
                        _ => PriceListError::Refused(why),
                    }
                })?;
            documents.extend(page.price_list().iter().cloned());
            token = page
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        let chosen = pricelist::select(&documents, service, region, instance_type);
        if chosen.conflicting > 0 {
            tracing::warn!(
                service = service.code(),
                region,
                instance_type,
                products = chosen.conflicting,
                "the price list has products that match but disagree; the type is left unpriced"
            );
        }
        for why in chosen
            .skipped
            .iter()
            .filter(|w| !matches!(w, pricelist::Skipped::OtherProduct(_)))
        {
            tracing::warn!(service = service.code(), region, instance_type, problem = %why, "skipped a price list product");
        }
        Ok(chosen.price)
    }
}
