//! What the scheduler reads for many clusters at once: the exempt tag
//! (Resource Groups Tagging API, GetResources) and EMR's `IsIdle` metric
//! (CloudWatch GetMetricData), one paged call per account instead of a
//! DescribeCluster and a ListSteps per cluster.

use super::emr_error;
use crate::aws::to_chrono;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
use aws_smithy_types::DateTime as AwsTime;
use chrono::{DateTime, Utc};
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::policy::activity::{IdlePoints, METRIC_PERIOD};
use emrbot_domain::ports::clusters::EmrError;
use std::collections::HashMap;

/// Queries per GetMetricData call: 500 at most, and 100,800 datapoints
/// (a day of 5-minute points is 288 per cluster).
const QUERIES_PER_CALL: usize = 350;

/// Every cluster of the account carrying tag `key` (one page holds 100).
pub(super) async fn with_tag(
    tagging: &aws_sdk_resourcegroupstagging::Client,
    key: &str,
) -> Result<HashMap<ClusterId, String>, EmrError> {
    use aws_sdk_resourcegroupstagging::types::TagFilter;
    let mappings: Vec<_> = tagging
        .get_resources()
        .resource_type_filters("elasticmapreduce:cluster")
        .tag_filters(TagFilter::builder().key(key).build())
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| emr_error("GetResources", e))?;
    Ok(mappings
        .iter()
        .filter_map(|m| {
            let id = ClusterId::parse(m.resource_arn()?.rsplit('/').next()?).ok()?;
            let value = m
                .tags()
                .iter()
                .find(|t| t.key() == key)?
                .value()
                .to_string();
            Some((id, value))
        })
        .collect())
}

/// `IsIdle` for `ids` over `[since, until)`, 5-minute averages; a period is
/// idle only if idle throughout.
pub(super) async fn idle_metric(
    metrics: &aws_sdk_cloudwatch::Client,
    ids: &[ClusterId],
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<HashMap<ClusterId, IdlePoints>, EmrError> {
    let mut out: HashMap<ClusterId, IdlePoints> = HashMap::new();
    for chunk in ids.chunks(QUERIES_PER_CALL) {
        let queries = chunk.iter().enumerate().map(|(i, id)| {
            let metric = Metric::builder()
                .namespace("AWS/ElasticMapReduce")
                .metric_name("IsIdle")
                .dimensions(
                    Dimension::builder()
                        .name("JobFlowId")
                        .value(id.as_str())
                        .build(),
                )
                .build();
            MetricDataQuery::builder()
                .id(format!("c{i}"))
                .metric_stat(
                    MetricStat::builder()
                        .metric(metric)
                        .period(METRIC_PERIOD.num_seconds() as i32)
                        .stat("Average")
                        .build(),
                )
                .return_data(true)
                .build()
        });
        let pages: Vec<_> = metrics
            .get_metric_data()
            .set_metric_data_queries(Some(queries.collect()))
            .start_time(AwsTime::from_secs(since.timestamp()))
            .end_time(AwsTime::from_secs(until.timestamp()))
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| emr_error("GetMetricData", e))?;
        for result in pages.iter().flat_map(|p| p.metric_data_results()) {
            let Some(id) = result
                .id()
                .and_then(|q| q.strip_prefix('c'))
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| chunk.get(i))
            else {
                continue;
            };
            let points = result
                .timestamps()
                .iter()
                .zip(result.values())
                .filter_map(|(t, v)| Some((to_chrono(t)?, *v > 0.99)));
            out.entry(id.clone()).or_default().extend(points);
        }
    }
    out.retain(|_, points| !points.is_empty());
    for points in out.values_mut() {
        points.sort();
    }
    Ok(out)
}
