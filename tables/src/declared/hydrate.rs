//! A declared table's hydrate calls: what they take from a row, and what they add to it.

use serde_json::{Map, Value};

use super::format::{HydrateDecl, HydratePages};
use super::value::{ArnTemplate, basename, last_segment, lookup};
use crate::context::ScanContext;
use crate::error::FetchError;
use crate::generic::Service;
use crate::pages::Tokens;

impl HydrateDecl {
    /// Whether the row already has every input this call takes from it.
    pub(super) fn gave(&self, row: &Value) -> bool {
        self.input_members().into_iter().all(|from| lookup(row, &[from]).is_some())
    }

    /// The row members the request is built from (an ARN template's included).
    pub(super) fn input_members(&self) -> Vec<String> {
        let members = self.input.values().flat_map(|from| match ArnTemplate::parse(from) {
            Some(template) => template.members().collect(),
            None => vec![basename(from).0.to_string()],
        });
        members.collect()
    }

    /// Fills a row with what the hydrate call returns for it.
    pub(super) async fn run(&self, service: Service, scan: &ScanContext, mut row: Value) -> Result<Value, FetchError> {
        let mut input = self.request.clone();
        for (member, from) in &self.input {
            if let Some(template) = ArnTemplate::parse(from) {
                input.extend(template.render(&row, &scan.target).map(|arn| (member.clone(), arn.into())));
                continue;
            }
            let (from, basename) = basename(from);
            let steps: Vec<String> = from.split('.').map(str::to_string).collect();
            if let Some(value) = lookup(&row, &steps) {
                let value = match value {
                    Value::String(id) if basename => Value::from(last_segment(id)),
                    Value::Array(_) => value.clone(),
                    _ if self.list_inputs.contains(member) => Value::Array(vec![value.clone()]),
                    _ => value.clone(),
                };
                input.insert(member.clone(), value);
            }
        }
        let mut output = match service.call(&scan.target, &self.operation, &Value::Object(input.clone())).await {
            Ok(output) => output,
            Err(error) if self.missing.contains(&error.code) => return Ok(row),
            Err(error) => return Err(error),
        };
        if let Some(pages) = &self.pages {
            read_pages(pages, service, scan, &self.operation, input, &mut output).await?;
        }
        let merged = match self.merge.as_deref().map(|path| lookup(&output, &[path.to_string()])) {
            Some(Some(Value::Array(items))) => items.first().cloned().unwrap_or(Value::Null),
            Some(found) => found.cloned().unwrap_or(Value::Null),
            None => output,
        };
        if let (Value::Object(row_members), Value::Object(members)) = (&mut row, merged) {
            row_members.extend(members);
        }
        Ok(row)
    }
}

/// Appends every further page's items to the first page's (`output`): a group's hundreds
/// of RDS parameters come a hundred a page.
async fn read_pages(
    pages: &HydratePages,
    service: Service,
    scan: &ScanContext,
    operation: &str,
    mut input: Map<String, Value>,
    output: &mut Value,
) -> Result<(), FetchError> {
    let token_of = |page: &Value| page.get(&pages.output_token).and_then(Value::as_str).map(str::to_string);
    let mut tokens = Tokens::default();
    let mut token = tokens.next(token_of(output))?;
    while let Some(next) = token.take() {
        input.insert(pages.input_token.clone(), next.clone().into());
        let page = service.call(&scan.target, operation, &Value::Object(input.clone())).await?;
        for key in &pages.result_keys {
            if let (Some(Value::Array(items)), Some(Value::Array(more))) = (output.get_mut(key), page.get(key)) {
                items.extend(more.iter().cloned());
            }
        }
        token = tokens.next(token_of(&page))?;
    }
    if let Some(members) = output.as_object_mut() {
        members.remove(&pages.output_token);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::declared::lister::tests::{fetch_text, serve};

    #[tokio::test]
    async fn paginated_hydrates_read_every_page() {
        let (endpoint, server) = serve(vec![
            (200, r#"{"WorkGroups": [{"Name": "primary"}]}"#),
            (200, r#"{"Tags": [{"Key": "env", "Value": "prod"}], "NextToken": "t2"}"#),
            (200, r#"{"Tags": [{"Key": "team", "Value": "data"}]}"#),
        ]);
        let tags = fetch_text("aws_athena_workgroup", "tags", &endpoint).await;
        assert_eq!(tags, [r#"{"env":"prod","team":"data"}"#]);
        let bodies = server.join().unwrap();
        assert!(bodies[2].contains(r#""NextToken":"t2""#), "{bodies:?}");
    }
}
