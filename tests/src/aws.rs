//! Looking at the emulator the way a test's assertions need to: a cluster's
//! state and creation time, and the command messages waiting on the queue.

use chrono::{DateTime, Utc};
use emrbot_domain::message::{CommandMessage, Incoming};

fn status_of(
    out: &aws_sdk_emr::operation::describe_cluster::DescribeClusterOutput,
) -> &aws_sdk_emr::types::ClusterStatus {
    out.cluster()
        .and_then(|c| c.status())
        .expect("DescribeCluster returns a status")
}

async fn describe(
    emr: &aws_sdk_emr::Client,
    id: &str,
) -> aws_sdk_emr::operation::describe_cluster::DescribeClusterOutput {
    emr.describe_cluster()
        .cluster_id(id)
        .send()
        .await
        .expect("DescribeCluster")
}

/// `WAITING`, `TERMINATED`, …
pub async fn cluster_state(emr: &aws_sdk_emr::Client, id: &str) -> String {
    let out = describe(emr, id).await;
    status_of(&out)
        .state()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default()
}

/// When the emulator created the cluster (it is ready at once, so policy
/// tests choose event times relative to this).
pub async fn created_at(emr: &aws_sdk_emr::Client, id: &str) -> DateTime<Utc> {
    let out = describe(emr, id).await;
    let t = status_of(&out)
        .timeline()
        .and_then(|t| t.creation_date_time())
        .expect("a creation time");
    DateTime::from_timestamp(t.secs(), 0).expect("a valid time")
}

/// Receives the v1 messages on `queue_url`, bundles opened (panicking on any
/// other body), polling a few times until at least `at_least` have arrived.
pub async fn receive_commands(
    aws: &aws_config::SdkConfig,
    queue_url: &str,
    at_least: usize,
) -> Vec<CommandMessage> {
    let sqs = aws_sdk_sqs::Client::new(aws);
    let mut messages = Vec::new();
    for _ in 0..5 {
        let got = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .expect("ReceiveMessage");
        for body in got.messages().iter().filter_map(|m| m.body()) {
            match Incoming::from_json(body).expect("contract v1") {
                Incoming::One(m) => messages.push(*m),
                Incoming::Bundle(bundle) => messages.extend(bundle),
            }
        }
        if messages.len() >= at_least {
            break;
        }
    }
    messages
}

/// A fresh emulator with emrbot's queue and table, and an SDK config for it.
pub async fn emulator_with_resources() -> (
    crate::Emulator,
    aws_config::SdkConfig,
    emrbot_local::resources::Resources,
) {
    let emulator = crate::Emulator::start().await;
    let aws = emulator.sdk_config();
    let resources = emrbot_local::resources::ensure(&aws, "emrbot-commands", "emrbot")
        .await
        .expect("the queue and the table");
    (emulator, aws, resources)
}

/// Plays EMR's part the emulator cannot: publishes the `IsIdle` metric EMR
/// sends CloudWatch every 5 minutes, one datapoint per `(cluster, start of
/// period, idle?)`.
pub async fn publish_is_idle(
    aws: &aws_config::SdkConfig,
    points: &[(String, DateTime<Utc>, bool)],
) {
    use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
    let cloudwatch = aws_sdk_cloudwatch::Client::new(aws);
    for chunk in points.chunks(500) {
        let data = chunk.iter().map(|(id, at, idle)| {
            MetricDatum::builder()
                .metric_name("IsIdle")
                .dimensions(Dimension::builder().name("JobFlowId").value(id).build())
                .timestamp(aws_smithy_types::DateTime::from_secs(at.timestamp()))
                .value(if *idle { 1.0 } else { 0.0 })
                .build()
        });
        cloudwatch
            .put_metric_data()
            .namespace("AWS/ElasticMapReduce")
            .set_metric_data(Some(data.collect()))
            .send()
            .await
            .expect("PutMetricData");
    }
}

/// Adds a step to `cluster` (it stays pending on the emulator: the cluster is busy).
pub async fn add_step(emr: &aws_sdk_emr::Client, cluster: &str) {
    use aws_sdk_emr::types::{HadoopJarStepConfig, StepConfig};
    emr.add_job_flow_steps()
        .job_flow_id(cluster)
        .steps(
            StepConfig::builder()
                .name("backfill")
                .hadoop_jar_step(
                    HadoopJarStepConfig::builder()
                        .jar("command-runner.jar")
                        .args("true")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("AddJobFlowSteps");
}

/// Tags `cluster` with `key=value`, as someone in the console would.
pub async fn tag(emr: &aws_sdk_emr::Client, cluster: &str, key: &str, value: &str) {
    emr.add_tags()
        .resource_id(cluster)
        .tags(
            aws_sdk_emr::types::Tag::builder()
                .key(key)
                .value(value)
                .build(),
        )
        .send()
        .await
        .expect("AddTags");
}
