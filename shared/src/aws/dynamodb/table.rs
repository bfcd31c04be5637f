//! The one DynamoDB table (single-table design; see docs/ARCHITECTURE.md):
//! string keys `pk` / `sk`, TTL on `expires_at`, and one global secondary
//! index: the audit entries by UTC day (`audit_day`, `sk`).

use crate::aws::{classify, FailureKind};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, CreateGlobalSecondaryIndexAction,
    GlobalSecondaryIndex, GlobalSecondaryIndexUpdate, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use emrbot_domain::ports::StoreError;
use std::collections::HashMap;
use std::future::Future;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const TTL_ATTRIBUTE: &str = "expires_at";
/// The audit entries by day: partition key [`AUDIT_DAY`] (`DAY#<UTC date>`),
/// sort key [`SK`], every attribute projected (infra/template.yaml names it too).
pub const AUDIT_DAY_INDEX: &str = "audit-by-day";
pub const AUDIT_DAY: &str = "audit_day";

pub type Item = HashMap<String, AttributeValue>;

/// Sorts a DynamoDB SDK error into the port's [`StoreError`].
pub(crate) fn store_error<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(
    what: &str,
    err: aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> StoreError {
    let failure = classify(&err);
    tracing::warn!(operation = what, code = %failure.code, "DynamoDB call failed");
    match failure.kind {
        FailureKind::Transient => StoreError::Transient(failure.to_string()),
        _ => StoreError::Rejected(failure.to_string()),
    }
}

/// Whether a DynamoDB call failed on its condition expression.
pub(crate) fn is_condition_failure<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(
    err: &aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> bool {
    use aws_sdk_dynamodb::error::ProvideErrorMetadata;
    err.code() == Some("ConditionalCheckFailedException")
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

/// An instant stored as epoch seconds.
pub fn time(item: &Item, name: &str) -> Option<DateTime<Utc>> {
    n(item, name).and_then(|secs| DateTime::from_timestamp(secs, 0))
}

/// An instant as DynamoDB stores it here: epoch seconds.
pub fn epoch(t: DateTime<Utc>) -> AttributeValue {
    AttributeValue::N(t.timestamp().to_string())
}

pub fn string(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// The partition of everything about one cluster.
pub fn cluster_pk(id: &emrbot_domain::cluster::ClusterId) -> String {
    format!("CLUSTER#{id}")
}

/// The cluster a `CLUSTER#<id>` partition key names.
pub fn cluster_of(item: &Item) -> Option<emrbot_domain::cluster::ClusterId> {
    s(item, PK)?
        .strip_prefix("CLUSTER#")
        .and_then(|id| emrbot_domain::cluster::ClusterId::parse(id).ok())
}

fn attribute(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("complete")
}

fn key_element(name: &str, t: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(t)
        .build()
        .expect("complete")
}

fn day_index_keys() -> Vec<KeySchemaElement> {
    vec![
        key_element(AUDIT_DAY, KeyType::Hash),
        key_element(SK, KeyType::Range),
    ]
}

fn all_attributes() -> Projection {
    Projection::builder()
        .projection_type(ProjectionType::All)
        .build()
}

/// Creates the table if it is missing, and its day index if a table made
/// before it lacks it (local runs and tests; on AWS the template creates
/// both). Waits until it is usable.
pub async fn ensure_table(client: &Client, name: &str) -> Result<(), StoreError> {
    match client.describe_table().table_name(name).send().await {
        Ok(out) => {
            let indexes = out
                .table()
                .map(|t| t.global_secondary_indexes())
                .unwrap_or_default();
            if indexes
                .iter()
                .any(|i| i.index_name() == Some(AUDIT_DAY_INDEX))
            {
                return Ok(());
            }
            let create = CreateGlobalSecondaryIndexAction::builder()
                .index_name(AUDIT_DAY_INDEX)
                .set_key_schema(Some(day_index_keys()))
                .projection(all_attributes())
                .build()
                .expect("complete");
            client
                .update_table()
                .table_name(name)
                .attribute_definitions(attribute(AUDIT_DAY))
                .attribute_definitions(attribute(SK))
                .global_secondary_index_updates(
                    GlobalSecondaryIndexUpdate::builder().create(create).build(),
                )
                .send()
                .await
                .map_err(|e| store_error("UpdateTable", e))?;
            return Ok(());
        }
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) => {}
        Err(err) => return Err(store_error("DescribeTable", err)),
    }
    let day_index = GlobalSecondaryIndex::builder()
        .index_name(AUDIT_DAY_INDEX)
        .set_key_schema(Some(day_index_keys()))
        .projection(all_attributes())
        .build()
        .expect("complete");
    let created = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute(PK))
        .attribute_definitions(attribute(SK))
        .attribute_definitions(attribute(AUDIT_DAY))
        .key_schema(key_element(PK, KeyType::Hash))
        .key_schema(key_element(SK, KeyType::Range))
        .global_secondary_indexes(day_index)
        .send()
        .await;
    match created {
        Ok(_) => {}
        // Someone else created it meanwhile.
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_in_use_exception()) => {}
        Err(err) => return Err(store_error("CreateTable", err)),
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
        .map_err(|e| store_error("UpdateTimeToLive", e))?;
    Ok(())
}

/// Runs a batch call until DynamoDB has processed every request: `call`
/// takes the pending requests and returns what it got back plus the ones left
/// unprocessed (DynamoDB's answer under load), which are sent again with
/// backoff, a bounded number of times.
async fn until_processed<T, R, F, Fut>(
    what: &str,
    mut pending: Vec<T>,
    mut call: F,
) -> Result<Vec<R>, StoreError>
where
    F: FnMut(Vec<T>) -> Fut,
    Fut: Future<Output = Result<(Vec<R>, Vec<T>), StoreError>>,
{
    let mut got = Vec::new();
    for attempt in 0..5u32 {
        if pending.is_empty() {
            break;
        }
        if attempt > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
        }
        let (answered, left) = call(pending).await?;
        got.extend(answered);
        pending = left;
    }
    if pending.is_empty() {
        Ok(got)
    } else {
        Err(StoreError::Transient(format!(
            "{what} left requests unprocessed"
        )))
    }
}

/// Reads many items, consistently: BatchGetItem, 100 keys a call.
pub async fn batch_get(
    client: &Client,
    table: &str,
    keys: Vec<Item>,
) -> Result<Vec<Item>, StoreError> {
    use aws_sdk_dynamodb::types::KeysAndAttributes;
    let mut items = Vec::new();
    for chunk in keys.chunks(100) {
        let got = until_processed("BatchGetItem", chunk.to_vec(), |pending| async move {
            // Consistent: a versioned write must start from the latest item.
            let request = KeysAndAttributes::builder()
                .set_keys(Some(pending))
                .consistent_read(true)
                .build()
                .expect("keys are set");
            let out = client
                .batch_get_item()
                .request_items(table, request)
                .send()
                .await
                .map_err(|e| store_error("BatchGetItem", e))?;
            let answered = out
                .responses()
                .and_then(|r| r.get(table))
                .cloned()
                .unwrap_or_default();
            let left = out
                .unprocessed_keys()
                .and_then(|u| u.get(table))
                .map(|k| k.keys().to_vec())
                .unwrap_or_default();
            Ok((answered, left))
        })
        .await?;
        items.extend(got);
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
        .map_err(|e| store_error("GetItem", e))?;
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
        .map_err(|e| store_error("PutItem", e))?;
    Ok(())
}
