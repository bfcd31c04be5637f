//! Cross-account: commands on a cluster of `[accounts.analytics]` act in that
//! account. moto namespaces by the assumed role's account (210987654321).

use crate::common;

use emrbot_tests::launch_cluster;
use emrbot_worker::Outcome;

/// An EMR client in the analytics account, through the same STS the worker uses.
async fn analytics_emr(env: &common::Env) -> aws_sdk_emr::Client {
    let sts = aws_sdk_sts::Client::new(&env.aws);
    let out = sts
        .assume_role()
        .role_arn("arn:aws:iam::210987654321:role/emrbot-operator")
        .role_session_name("test")
        .external_id("emrbot")
        .send()
        .await
        .unwrap();
    let c = out.credentials().unwrap();
    let creds = aws_credential_types::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "test",
    );
    let config = env
        .aws
        .to_builder()
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(creds))
        .build();
    aws_sdk_emr::Client::new(&config)
}

#[tokio::test]
async fn launch_status_lock_and_terminate_act_in_the_target_account() {
    let env = common::env().await;
    let analytics = analytics_emr(&env).await;
    let home_cluster = launch_cluster(&env.emr(), "home-etl").await.unwrap();
    let remote = launch_cluster(&analytics, "remote-etl").await.unwrap();

    // launch with the analytics preset lands in account 210987654321, not at home.
    let (m, path) = env.text("launch analytics an-adhoc", "U1");
    assert_eq!(
        env.worker.handle_message(&m, common::FROM_INGRESS).await,
        Outcome::Done
    );
    assert!(
        env.reply(&path).contains("analytics"),
        "{}",
        env.reply(&path)
    );
    let names = |out: aws_sdk_emr::operation::list_clusters::ListClustersOutput| -> Vec<String> {
        out.clusters()
            .iter()
            .map(|c| c.name().unwrap().to_string())
            .collect()
    };
    let in_remote = names(analytics.list_clusters().send().await.unwrap());
    let at_home = names(env.emr().list_clusters().send().await.unwrap());
    assert!(in_remote.contains(&"an-adhoc".to_string()), "{in_remote:?}");
    assert!(!at_home.contains(&"an-adhoc".to_string()), "{at_home:?}");

    // status shows both accounts.
    let (m, path) = env.text("status", "U1");
    env.worker.handle_message(&m, common::FROM_INGRESS).await;
    let status = env.reply(&path);
    assert!(
        status.contains(&remote) && status.contains(&home_cluster) && status.contains("analytics"),
        "{status}"
    );

    // lock and terminate a remote cluster by name.
    let (m, path) = env.text("lock remote-etl", "U1");
    env.worker.handle_message(&m, common::FROM_INGRESS).await;
    assert!(env.reply(&path).contains(":lock:"));
    let (m, path) = env.slack_message(
        "U1",
        "C0DATAOPS",
        emrbot_domain::Command::Terminate {
            cluster: emrbot_domain::ClusterRef::parse("remote-etl").unwrap(),
            confirmed: true,
            force: false,
            reason: None,
        },
    );
    env.worker.handle_message(&m, common::FROM_INGRESS).await;
    assert!(
        env.reply(&path).contains("terminated"),
        "{}",
        env.reply(&path)
    );
    let state = analytics
        .describe_cluster()
        .cluster_id(&remote)
        .send()
        .await
        .unwrap();
    assert!(state
        .cluster()
        .unwrap()
        .status()
        .unwrap()
        .state()
        .unwrap()
        .as_str()
        .starts_with("TERMINAT"));
    assert_eq!(env.state(&home_cluster).await, "WAITING");

    // No credential is at rest in the table or in a reply: every secret the
    // emulator's STS issued (it lists them in its own data dump) is absent.
    let issued: serde_json::Value =
        reqwest::get(format!("{}/moto-api/data.json", env.emulator.endpoint))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let secrets: Vec<String> = issued["sts"]["AssumedRole"]
        .as_array()
        .expect("the worker assumed a role")
        .iter()
        .flat_map(|r| {
            ["secret_access_key", "session_token"].map(|k| r[k].as_str().unwrap().to_string())
        })
        .collect();
    assert!(!secrets.is_empty());
    let table = aws_sdk_dynamodb::Client::new(&env.aws)
        .scan()
        .table_name("emrbot")
        .send()
        .await
        .unwrap();
    let stored = format!("{:?}", table.items());
    let replies: Vec<String> = env
        .slack
        .recorded()
        .iter()
        .map(|r| r.body.to_string())
        .collect();
    for secret in &secrets {
        assert!(
            !stored.contains(secret.as_str()),
            "a credential is stored in the table"
        );
        assert!(
            replies.iter().all(|r| !r.contains(secret.as_str())),
            "a credential is in a reply"
        );
    }
}
