//! Creates what `make run` needs if it is missing: the command queue with its
//! dead-letter queue, and the table.

use aws_sdk_sqs::types::QueueAttributeName;

pub struct Resources {
    pub queue_url: String,
    pub dead_letter_url: String,
    pub table: String,
}

/// Receives before a message goes to the dead-letter queue (as in infra/).
pub const MAX_RECEIVE_COUNT: u32 = 5;

pub async fn ensure(
    aws: &aws_config::SdkConfig,
    queue: &str,
    table: &str,
) -> Result<Resources, String> {
    let sqs = aws_sdk_sqs::Client::new(aws);
    let dlq_name = format!("{queue}-dlq");
    let dead_letter_url = create_queue(&sqs, &dlq_name, None).await?;
    let dlq_arn = sqs
        .get_queue_attributes()
        .queue_url(&dead_letter_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| {
            format!(
                "GetQueueAttributes: {}",
                aws_sdk_sqs::error::DisplayErrorContext(e)
            )
        })?
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .ok_or("the dead-letter queue has no ARN")?;
    let redrive =
        format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"{MAX_RECEIVE_COUNT}"}}"#);
    let queue_url = create_queue(&sqs, queue, Some(redrive)).await?;
    let dynamo = aws_sdk_dynamodb::Client::new(aws);
    emrbot_shared::aws::dynamodb::ensure_table(&dynamo, table)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Resources {
        queue_url,
        dead_letter_url,
        table: table.to_string(),
    })
}

async fn create_queue(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    redrive: Option<String>,
) -> Result<String, String> {
    let mut request = sqs
        .create_queue()
        .queue_name(name)
        // Locally the worker is fast; a short visibility timeout makes retries visible quickly.
        .attributes(QueueAttributeName::VisibilityTimeout, "30");
    if let Some(redrive) = redrive {
        request = request.attributes(QueueAttributeName::RedrivePolicy, redrive);
    }
    let out = request.send().await.map_err(|e| {
        format!(
            "CreateQueue {name}: {}",
            aws_sdk_sqs::error::DisplayErrorContext(e)
        )
    })?;
    out.queue_url()
        .map(str::to_string)
        .ok_or_else(|| format!("CreateQueue {name} returned no URL"))
}
