use aws_sdk_lambda::types::FunctionConfiguration;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};

use crate::json::s;
use crate::policy;
use crate::cell::text;
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::{FetchError, absent};
use crate::pages::{Pages, paginate};
use crate::schema::{Call, Kind::*, Scope};
use crate::table::Table;

#[derive(Clone)]
pub struct Function {
    function: FunctionConfiguration,
    policy: Option<String>,
    /// GetFunctionUrlConfig's answer: Some(None) when the function has no URL.
    url_config: Option<Option<Value>>,
    tags: Option<Value>,
    /// GetFunction's answer: the code location (without its download URL) and the
    /// reserved concurrency, absent when none is reserved.
    code: Option<Value>,
    reserved_concurrency: Option<i32>,
}

pub fn table() -> Table {
    Def::new("aws_lambda_function", "Lambda functions ($LATEST).", Scope::Regional, Call::new("lambda", "ListFunctions"), list)
        .hydrate(Call::new("lambda", "GetPolicy"), &["policy", "policy_std"], get_policy)
        .hydrate(Call::new("lambda", "GetFunctionUrlConfig"), &["url_config"], get_url_config)
        .hydrate(Call::new("lambda", "ListTags"), &["tags"], list_tags)
        .hydrate(Call::new("lambda", "GetFunction"), &["code", "reserved_concurrent_executions"], get_function)
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
        .column("state_reason", Text, "Why the function is in its state.", |f, _| f.function.state_reason().into())
        .column("state_reason_code", Text, "The code of state_reason.", |f, _| text(f.function.state_reason_code()))
        .column("last_update_status", Text, "InProgress, Successful or Failed: the last update's status.", |f, _| {
            text(f.function.last_update_status())
        })
        .column("last_update_status_reason", Text, "Why the last update has its status.", |f, _| {
            f.function.last_update_status_reason().into()
        })
        .column("last_update_status_reason_code", Text, "The code of last_update_status_reason.", |f, _| {
            text(f.function.last_update_status_reason_code())
        })
        .column("revision_id", Text, "The function's current revision.", |f, _| f.function.revision_id().into())
        .column("master_arn", Text, "For a Lambda@Edge replica, the main function's ARN.", |f, _| {
            f.function.master_arn().into()
        })
        .column("dead_letter_config_target_arn", Text, "The SQS queue or SNS topic failed async events go to.", |f, _| {
            f.function.dead_letter_config().and_then(|d| d.target_arn()).into()
        })
        .column("reserved_concurrent_executions", Int, "The reserved concurrency; null when none is reserved.", |f, _| {
            f.reserved_concurrency.into()
        })
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
        .column("tracing_config", Json, "X-Ray tracing: {Mode: Active | PassThrough}.", |f, _| {
            f.function.tracing_config().map(|t| json!({"Mode": s(t.mode())})).into()
        })
        .column("layers", Json, "The layers: [{Arn, CodeSize, SigningProfileVersionArn, SigningJobArn}].", |f, _| {
            Value::from_iter(f.function.layers().iter().map(|l| {
                json!({
                    "Arn": l.arn(),
                    "CodeSize": l.code_size(),
                    "SigningProfileVersionArn": l.signing_profile_version_arn(),
                    "SigningJobArn": l.signing_job_arn(),
                })
            }))
            .into()
        })
        .column("file_system_configs", Json, "Mounted EFS file systems: [{Arn, LocalMountPath}].", |f, _| {
            Value::from_iter(
                f.function.file_system_configs().iter().map(|c| json!({"Arn": c.arn(), "LocalMountPath": c.local_mount_path()})),
            )
            .into()
        })
        .column("ephemeral_storage", Json, "The /tmp size: {Size} in MB.", |f, _| {
            f.function.ephemeral_storage().map(|e| json!({"Size": e.size()})).into()
        })
        .column("snap_start", Json, "SnapStart: {ApplyOn, OptimizationStatus}.", |f, _| {
            f.function
                .snap_start()
                .map(|n| json!({"ApplyOn": s(n.apply_on()), "OptimizationStatus": s(n.optimization_status())}))
                .into()
        })
        .column("logging_config", Json, "Logging: {LogFormat, ApplicationLogLevel, SystemLogLevel, LogGroup}.", |f, _| {
            f.function
                .logging_config()
                .map(|l| {
                    json!({
                        "LogFormat": s(l.log_format()),
                        "ApplicationLogLevel": s(l.application_log_level()),
                        "SystemLogLevel": s(l.system_log_level()),
                        "LogGroup": l.log_group(),
                    })
                })
                .into()
        })
        .column("code", Json, "Where the code comes from: {RepositoryType, ImageUri, ResolvedImageUri}.", |f, _| {
            f.code.clone().into()
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
            let functions = functions.map(|function| Function {
                function,
                policy: None,
                url_config: None,
                tags: None,
                code: None,
                reserved_concurrency: None,
            });
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

fn get_function(scan: ScanContext, mut function: Function) -> BoxFuture<'static, Result<Function, FetchError>> {
    let lambda = client!(aws_sdk_lambda, scan);
    async move {
        if let Some(name) = function.function.function_name() {
            let out = lambda.get_function().function_name(name).send().await?;
            // Location is a presigned download URL for the package: not kept.
            function.code = out.code().map(|c| {
                json!({"RepositoryType": c.repository_type(), "ImageUri": c.image_uri(), "ResolvedImageUri": c.resolved_image_uri()})
            });
            function.reserved_concurrency = out.concurrency().and_then(|c| c.reserved_concurrent_executions());
        }
        Ok(function)
    }
    .boxed()
}
