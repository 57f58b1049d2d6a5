use aws_sdk_lambda::types::FunctionConfiguration;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};

use crate::policy;
use crate::cell::text;
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::{FetchError, absent};
use crate::pages::{Pages, paginate};
use crate::schema::{Kind::*, Scope};
use crate::table::Table;

#[derive(Clone)]
pub struct Function {
    function: FunctionConfiguration,
    policy: Option<String>,
    /// GetFunctionUrlConfig's answer: Some(None) when the function has no URL.
    url_config: Option<Option<Value>>,
    tags: Option<Value>,
}

pub fn table() -> Table {
    Def::new("aws_lambda_function", "Lambda functions ($LATEST).", Scope::Regional, "lambda:ListFunctions", list)
        .hydrate("lambda:GetPolicy", &["policy", "policy_std"], get_policy)
        .hydrate("lambda:GetFunctionUrlConfig", &["url_config"], get_url_config)
        .hydrate("lambda:ListTags", &["tags"], list_tags)
        .example(
            "SELECT account_id, region, name, s ->> 'Effect' AS effect\n\
             FROM (SELECT account_id, region, name, unnest(json_get_array(policy_std, 'Statement')) AS s\n\
                   FROM aws_lambda_function)\n\
             WHERE json_get_str(s, 'Principal', 'AWS', 0) = '*'",
        )
        .column("name", Text, "The function's name.", |f, _| f.function.function_name().into())
        .column("arn", Text, "The ARN of the function.", |f, _| f.function.function_arn().into())
        .column("description", Text, "The function's description.", |f, _| f.function.description().into())
        .column("runtime", Text, "The runtime, e.g. python3.12.", |f, _| text(f.function.runtime()))
        .column("handler", Text, "The entry point.", |f, _| f.function.handler().into())
        .column("role", Text, "The execution role's ARN.", |f, _| f.function.role().into())
        .column("package_type", Text, "Zip or Image.", |f, _| text(f.function.package_type()))
        .column("code_size", Int, "The deployment package's size in bytes.", |f, _| Some(f.function.code_size()).into())
        .column("code_sha_256", Text, "The SHA-256 of the package.", |f, _| f.function.code_sha256().into())
        .column("memory_size", Int, "The memory in MB.", |f, _| f.function.memory_size().into())
        .column("timeout", Int, "The timeout in seconds.", |f, _| f.function.timeout().into())
        .column("version", Text, "The version ($LATEST).", |f, _| f.function.version().into())
        .column("state", Text, "Pending, Active, Inactive or Failed.", |f, _| text(f.function.state()))
        .column("last_modified", Timestamp, "When the function was last updated.", |f, _| {
            f.function.last_modified().and_then(crate::json::parse_time).as_ref().into()
        })
        .column("kms_key_arn", Text, "The customer managed key for environment variables.", |f, _| {
            f.function.kms_key_arn().into()
        })
        .column("vpc_id", Text, "The VPC, if attached to one.", |f, _| {
            f.function.vpc_config().and_then(|v| v.vpc_id()).into()
        })
        .column("vpc_subnet_ids", Json, "The VPC subnets.", |f, _| {
            f.function.vpc_config().map(|v| Value::from_iter(v.subnet_ids().iter().cloned())).into()
        })
        .column("vpc_security_group_ids", Json, "The VPC security groups.", |f, _| {
            f.function.vpc_config().map(|v| Value::from_iter(v.security_group_ids().iter().cloned())).into()
        })
        .column("architectures", Json, "x86_64 and/or arm64.", |f, _| {
            Value::from_iter(f.function.architectures().iter().map(|a| a.as_str().to_string())).into()
        })
        .column("environment_variables", Json, "The environment variables (names and values).", |f, _| {
            f.function.environment().and_then(|e| e.variables()).map(|v| json!(v)).into()
        })
        .column("policy", Json, "The resource-based policy; null when it has none.", |f, _| {
            f.policy.as_deref().map(policy::document).into()
        })
        .column("policy_std", Json, "The resource-based policy in canonical form.", |f, _| {
            f.policy.as_deref().map(|p| policy::canonical(&policy::document(p))).into()
        })
        .column(
            "url_config",
            Json,
            "The function URL: {FunctionUrl, AuthType}; AuthType NONE is public. Null without one.",
            |f, _| f.url_config.clone().flatten().into(),
        )
        .column("title", Text, "The function's name.", |f, _| f.function.function_name().into())
        .column("tags", Json, "The tags, as an object of key -> value.", |f, _| f.tags.clone().into())
        .build()
}

fn list(scan: ScanContext) -> Pages<Function> {
    let lambda = client!(aws_sdk_lambda, scan);
    let page_size = scan.page_size(1, 50);
    paginate(move |marker| {
        let request = lambda.list_functions().max_items(page_size).set_marker(marker);
        async move {
            let out = request.send().await?;
            let functions = out.functions.unwrap_or_default().into_iter();
            let functions = functions.map(|function| Function { function, policy: None, url_config: None, tags: None });
            Ok((functions.collect(), out.next_marker))
        }
    })
}

fn get_policy(scan: ScanContext, mut function: Function) -> BoxFuture<'static, Result<Function, FetchError>> {
    let lambda = client!(aws_sdk_lambda, scan);
    async move {
        if let Some(name) = function.function.function_name() {
            let out = absent(lambda.get_policy().function_name(name).send().await, &["ResourceNotFoundException"])?;
            function.policy = out.and_then(|o| o.policy);
        }
        Ok(function)
    }
    .boxed()
}

fn get_url_config(scan: ScanContext, mut function: Function) -> BoxFuture<'static, Result<Function, FetchError>> {
    let lambda = client!(aws_sdk_lambda, scan);
    async move {
        if let Some(name) = function.function.function_name() {
            let result = lambda.get_function_url_config().function_name(name).send().await;
            let out = absent(result, &["ResourceNotFoundException"])?;
            function.url_config =
                Some(out.map(|o| json!({"FunctionUrl": o.function_url, "AuthType": o.auth_type.as_str()})));
        }
        Ok(function)
    }
    .boxed()
}

fn list_tags(scan: ScanContext, mut function: Function) -> BoxFuture<'static, Result<Function, FetchError>> {
    let lambda = client!(aws_sdk_lambda, scan);
    async move {
        if let Some(arn) = function.function.function_arn() {
            let out = lambda.list_tags().resource(arn).send().await?;
            function.tags = Some(json!(out.tags.unwrap_or_default()));
        }
        Ok(function)
    }
    .boxed()
}
