//! A declared table's hydrate calls: what they take from a row, and what they add to it.

use serde_json::Value;

use super::format::HydrateSpec;
use super::value::{ArnTemplate, basename, last_segment, lookup};
use crate::context::ScanContext;
use crate::error::FetchError;
use crate::generic::Service;

impl HydrateSpec {
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
        let output = match service.call(&scan.target, &self.operation, &Value::Object(input)).await {
            Ok(output) => output,
            Err(error) if self.missing.contains(&error.code) => return Ok(row),
            Err(error) => return Err(error),
        };
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
