use aws_sdk_iam::types::User;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::stream::{self, StreamExt, TryStreamExt};

use crate::call::{Call, FetchError, paginate};
use crate::table::{Def, Kind::*, Pages, Scope, Table};

pub fn table() -> Table {
    Def::new("aws_iam_user", "IAM users.", Scope::Global, "iam:ListUsers", list)
        // IAM names are unique case-insensitively and GetUser matches that way, so the
        // engine re-checks the exact spelling.
        .key("name", false, "GetUser per name instead of ListUsers")
        .key("path", false, "ListUsers PathPrefix")
        .example("SELECT account_id, name, create_date, password_last_used FROM aws_iam_user")
        .column("name", Text, "The user's name.", |u, _| u.user_name().into())
        .column("user_id", Text, "The stable unique ID of the user (AIDA...).", |u, _| u.user_id().into())
        .column("path", Text, "The IAM path of the user.", |u, _| u.path().into())
        .column("arn", Text, "The ARN of the user.", |u, _| u.arn().into())
        .column("create_date", Timestamp, "When the user was created.", |u, _| Some(u.create_date()).into())
        .column("password_last_used", Timestamp, "When the user's password was last used to sign in.", |u, _| {
            u.password_last_used().into()
        })
        .column("title", Text, "The user's name.", |u, _| u.user_name().into())
        .build()
}

fn list(call: Call) -> Pages<User> {
    let iam = crate::client!(aws_sdk_iam, call);
    if let Some(names) = call.qual("name") {
        let names = names.to_vec();
        return stream::once(async move {
            stream::iter(names)
                .then(|name| get_user(iam.clone(), name))
                .try_filter_map(|user| futures::future::ready(Ok(user)))
                .try_collect()
                .await
        })
        .boxed();
    }
    let path_prefix = match call.qual("path") {
        Some([path]) => Some(path.clone()),
        _ => None,
    };
    let page_size = call.page_size(1, 1000);
    paginate(move |marker| {
        let request = iam.list_users().set_path_prefix(path_prefix.clone()).max_items(page_size).set_marker(marker);
        async move {
            let out = request.send().await?;
            let next = out.is_truncated.then(|| out.marker().map(str::to_string)).flatten();
            Ok((out.users, next))
        }
    })
}

async fn get_user(iam: aws_sdk_iam::Client, name: String) -> Result<Option<User>, FetchError> {
    match iam.get_user().user_name(name).send().await {
        Ok(out) => Ok(out.user),
        // A name IAM would never accept cannot match a user either.
        Err(err) if matches!(err.code(), Some("NoSuchEntity" | "ValidationError")) => Ok(None),
        Err(err) => Err(err.into()),
    }
}
