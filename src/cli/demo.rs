//! `cove demo`: a local emulator, a seeded organization, and example queries over it.

use crate::check::siem::Stamp;
use crate::check::{self, report, runner::run_controls};
use crate::emulator::Moto;
use crate::engine::failures::summarize;
use crate::engine::run::QueryRun;
use crate::engine::session;
use crate::output::{Destination, Format, Layout};

pub async fn demo() -> Result<(), String> {
    eprintln!("starting a local AWS emulator (moto) ...");
    let moto = tokio::task::block_in_place(Moto::start)?;
    eprintln!("seeding an organization: 3 member accounts x 2 regions ...");
    tokio::task::block_in_place(|| moto.seed_org())?;

    let (engine, ctx) = moto.open_org().await?;
    let prod = engine
        .estate
        .accounts
        .iter()
        .find(|a| a.name.as_deref() == Some("prod"))
        .map(|a| a.id.clone())
        .ok_or("the seeded organization has no prod account")?;

    let queries = [
        (
            "Every instance in the organization, counted per account and region",
            "SELECT account_id, region, count(*) AS instances\nFROM aws_ec2_instance\nGROUP BY account_id, region\nORDER BY account_id, region".to_string(),
        ),
        (
            "A join across services: instances and IAM users per account",
            "SELECT i.account_id, count(DISTINCT i.instance_id) AS instances, count(DISTINCT u.name) AS users\n\
             FROM aws_ec2_instance i JOIN aws_iam_user u ON u.account_id = i.account_id\n\
             GROUP BY i.account_id ORDER BY i.account_id"
                .to_string(),
        ),
        (
            "Pushdown: one account and region are scanned, nothing else is called",
            format!(
                "SELECT instance_id, instance_type, instance_state, tags ->> 'Name' AS name\n\
                 FROM aws_ec2_instance\nWHERE account_id = '{prod}' AND region = 'eu-west-1'"
            ),
        ),
        (
            "JSON columns: stopped instances and their IMDS setting",
            "SELECT account_id, region, instance_id, metadata_options ->> 'HttpTokens' AS http_tokens\n\
             FROM aws_ec2_instance WHERE instance_state = 'stopped' ORDER BY account_id, region"
                .to_string(),
        ),
        (
            "Hydrated columns: only the buckets' ACLs and policies are fetched, once per bucket",
            "SELECT account_id, name, json_length(acl, 'Grants') AS acl_grants,\n       policy_std -> 'Statement' -> 0 -> 'Principal' AS first_principal\nFROM aws_s3_bucket WHERE region = 'us-east-1' ORDER BY account_id"
                .to_string(),
        ),
        (
            "Declarative tables over the service models: which alarm notifies whom, per account",
            "SELECT a.account_id, a.name AS alarm, a.metric_name, s.protocol, s.endpoint\n\
             FROM aws_cloudwatch_alarm a\n\
             JOIN aws_sns_topic_subscription s\n  ON s.account_id = a.account_id AND s.topic_arn = a.alarm_actions ->> 0\n\
             ORDER BY a.account_id"
                .to_string(),
        ),
        (
            "Steampipe's queries run as written: trust policies that let anyone assume a role",
            "SELECT r.account_id, r.name AS role, s ->> 'Effect' AS effect\n\
             FROM aws_iam_role AS r, jsonb_array_elements(r.assume_role_policy_std -> 'Statement') AS s\n\
             WHERE s -> 'Principal' -> 'AWS' ? '*'"
                .to_string(),
        ),
        (
            "S3 buckets per region, each bucket's region looked up once",
            "SELECT region, count(*) AS buckets, min(creation_date) AS oldest\nFROM aws_s3_bucket GROUP BY region ORDER BY region"
                .to_string(),
        ),
    ];
    let destination = Destination::stdout(Format::Table, Layout::stdout())?;
    for (title, sql) in queries {
        println!("\n== {title}\n\n{sql};\n");
        let [statement] = &session::statements(&sql)?[..] else { return Err(format!("not one statement: {sql}")) };
        let run = QueryRun::start(&engine, Vec::new());
        let summary = session::execute(&ctx, &engine, &run, statement, &destination).await?;
        println!("{} in {:.2} s", summary.calls, summary.elapsed.as_secs_f64());
        for line in summarize(&summary.failures) {
            eprintln!("warning: {line}");
        }
    }
    println!("\n== Compliance: the built-in controls of severity critical (cove check --severity critical)\n");
    let request = check::Request { severity: Some("critical".parse()?), ..check::Request::default() };
    let controls = check::select(&request)?.controls;
    let calls_before = engine.guard.counts();
    let outcomes =
        run_controls(&ctx, &engine, &QueryRun::start(&engine, Vec::new()), controls, &Default::default()).await?;
    let run = report::Run {
        outcomes: &outcomes,
        compared: false,
        stamp: Stamp {
            at: chrono::Utc::now(),
            partition: engine.estate.identity.partition.clone(),
            home_region: engine.estate.regions[0].clone(),
        },
        benchmarks: &[],
    };
    print!("{}", report::render(Format::Table, &run)?);
    println!("{}", engine.guard.counts().since(&calls_before));
    println!("\nThe emulator is stopped now. Point cove at real AWS with `cove query --org \"SELECT ...\"`.");
    Ok(())
}
