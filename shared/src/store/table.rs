//! The one DynamoDB table (single-table design; see docs/ARCHITECTURE.md):
//! string keys `pk` / `sk`, TTL on `expires_at`.

use crate::aws::{classify, FailureKind};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;
use std::collections::HashMap;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const TTL_ATTRIBUTE: &str = "expires_at";

pub type Item = HashMap<String, AttributeValue>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DynamoDB is temporarily unavailable ({0})")]
    Transient(String),
    #[error("DynamoDB refused: {0}")]
    Rejected(String),
    #[error("stored item {key} is malformed: {problem}")]
    Corrupt { key: String, problem: String },
}

impl StoreError {
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Transient(_))
    }

    pub(crate) fn from_sdk<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(
        what: &str,
        err: aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
    ) -> Self {
        let failure = classify(&err);
        tracing::warn!(operation = what, code = %failure.code, "DynamoDB call failed");
        match failure.kind {
            FailureKind::Transient => StoreError::Transient(failure.to_string()),
            _ => StoreError::Rejected(failure.to_string()),
        }
    }
}

pub fn key(pk: String, sk: &str) -> Item {
    HashMap::from([
        (PK.to_string(), AttributeValue::S(pk)),
        (SK.to_string(), AttributeValue::S(sk.to_string())),
    ])
}

pub fn s(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

pub fn n(item: &Item, name: &str) -> Option<i64> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
}

/// Creates the table if it is missing (local runs and tests; on AWS the
/// template creates it). Waits until it is usable.
pub async fn ensure_table(client: &Client, name: &str) -> Result<(), StoreError> {
    match client.describe_table().table_name(name).send().await {
        Ok(_) => return Ok(()),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) => {}
        Err(err) => return Err(StoreError::from_sdk("DescribeTable", err)),
    }
    let attribute = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .expect("complete")
    };
    let key_element = |n: &str, t: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(t)
            .build()
            .expect("complete")
    };
    let created = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute(PK))
        .attribute_definitions(attribute(SK))
        .key_schema(key_element(PK, KeyType::Hash))
        .key_schema(key_element(SK, KeyType::Range))
        .send()
        .await;
    match created {
        Ok(_) => {}
        // Someone else created it meanwhile.
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_in_use_exception()) => {}
        Err(err) => return Err(StoreError::from_sdk("CreateTable", err)),
    }
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(TTL_ATTRIBUTE)
                .enabled(true)
                .build()
                .expect("complete"),
        )
        .send()
        .await
        .map_err(|e| StoreError::from_sdk("UpdateTimeToLive", e))?;
    Ok(())
}

/// Reads many items: BatchGetItem, 100 keys a call, asking again (a bounded
/// number of times) for the keys DynamoDB leaves unprocessed under load.
pub async fn batch_get(
    client: &Client,
    table: &str,
    keys: Vec<Item>,
) -> Result<Vec<Item>, StoreError> {
    use aws_sdk_dynamodb::types::KeysAndAttributes;
    let mut items = Vec::new();
    for chunk in keys.chunks(100) {
        let mut pending: Vec<Item> = chunk.to_vec();
        for _ in 0..5 {
            if pending.is_empty() {
                break;
            }
            let request = KeysAndAttributes::builder()
                .set_keys(Some(pending.clone()))
                .build()
                .expect("keys are set");
            let out = client
                .batch_get_item()
                .request_items(table, request)
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("BatchGetItem", e))?;
            items.extend(
                out.responses()
                    .and_then(|r| r.get(table))
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
            pending = out
                .unprocessed_keys()
                .and_then(|u| u.get(table))
                .map(|k| k.keys().to_vec())
                .unwrap_or_default();
        }
        if !pending.is_empty() {
            return Err(StoreError::Transient(
                "BatchGetItem left keys unprocessed".into(),
            ));
        }
    }
    Ok(items)
}

/// One item by key, read consistently (locks, claims and caches need the
/// latest write).
pub async fn get(client: &Client, table: &str, key: Item) -> Result<Option<Item>, StoreError> {
    let out = client
        .get_item()
        .table_name(table)
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| StoreError::from_sdk("GetItem", e))?;
    Ok(out.item)
}

/// Writes one item, replacing any item with its key (no condition).
pub async fn put(client: &Client, table: &str, item: Item) -> Result<(), StoreError> {
    client
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .send()
        .await
        .map_err(|e| StoreError::from_sdk("PutItem", e))?;
    Ok(())
}
