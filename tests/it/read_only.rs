//! The guard refuses any call that is not a read, before it leaves the process.

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use cove::engine::guard::Guard;

use crate::harness::{org, recorded};

/// An EC2 client against moto, its calls through `guard` and recorded under `app_name`.
async fn ec2(guard: &Guard, app_name: &'static str) -> aws_sdk_ec2::Client {
    let org = org();
    let config = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&org.moto.endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .app_name(aws_config::AppName::new(app_name).unwrap())
        .load()
        .await;
    aws_sdk_ec2::Client::from_conf(aws_sdk_ec2::config::Builder::from(&config).interceptor(guard.interceptor()).build())
}

#[tokio::test]
async fn a_mutating_call_is_refused_before_it_is_sent() {
    let guard = Guard::new(cove_tables::calls(&cove_tables::catalog()));
    let ec2 = ec2(&guard, "covetestreadonly").await;
    let err = ec2.terminate_instances().instance_ids("i-0123456789abcdef0").send().await.unwrap_err();
    let message = aws_smithy_types::error::display::DisplayErrorContext(&err).to_string();
    assert!(message.contains("refused ec2:TerminateInstances"), "{message}");
    // A read the catalog does not declare is refused too, whatever its name.
    let err = ec2.get_password_data().instance_id("i-0123456789abcdef0").send().await.unwrap_err();
    let message = aws_smithy_types::error::display::DisplayErrorContext(&err).to_string();
    assert!(message.contains("refused ec2:GetPasswordData"), "{message}");
    ec2.describe_regions().send().await.expect("reads still work");
    assert_eq!(guard.counts().total(), 1);
    let received: Vec<String> = recorded("covetestreadonly").into_iter().map(|r| r.operation).collect();
    assert_eq!(received, ["DescribeRegions"], "only the read reached the server");
}

#[tokio::test]
async fn a_read_declared_for_another_service_is_refused() {
    let declared = cove_tables::calls(&cove_tables::catalog());
    assert!(declared.contains(&cove_tables::Call::new("elasticloadbalancing", "DescribeTags")));
    let guard = Guard::new(declared);
    let ec2 = ec2(&guard, "covetestcrossservice").await;
    let err = ec2.describe_tags().send().await.unwrap_err();
    let message = aws_smithy_types::error::display::DisplayErrorContext(&err).to_string();
    assert!(message.contains("refused ec2:DescribeTags"), "{message}");
    ec2.describe_regions().send().await.expect("reads ec2 declares still work");
    let received: Vec<String> = recorded("covetestcrossservice").into_iter().map(|r| r.operation).collect();
    assert_eq!(received, ["DescribeRegions"], "only the declared read reached the server");
}
