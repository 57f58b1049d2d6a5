//! Reading a row: member paths, cells by column type, tags, ARN templates.

use serde_json::Value;

use super::format::Read;
use crate::cell::Cell;
use crate::context::Target;
use crate::policy;
use crate::schema::Kind;

/// A member path may end in `|basename`: the value's last `/` segment, for ids the API
/// gives as paths (`/hostedzone/Z1` -> `Z1`). The path without it, and whether it had it.
pub(super) fn basename(path: &str) -> (&str, bool) {
    path.strip_suffix("|basename").map_or((path, false), |path| (path, true))
}

pub(super) fn last_segment(value: &str) -> &str {
    value.rsplit('/').next().unwrap_or(value)
}

/// The value at a member path; a list on the way is looked into at its first item
/// (`metricTransformations.metricName`: the first transformation's metric).
pub(super) fn lookup<'a>(row: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(row, |value, step| match value {
        Value::Array(items) => items.first()?.get(step),
        _ => value.get(step),
    })
}

pub(super) fn cell(value: Option<&Value>, read: Read) -> Cell<'_> {
    let Some(value) = value.filter(|v| !v.is_null()) else { return Cell::Null };
    match (read, value) {
        (Read::Kind(Kind::Text), Value::String(s)) => Cell::from(s.as_str()),
        (Read::Kind(Kind::Text), other) => Cell::from(other.to_string()),
        (Read::Kind(Kind::Int), Value::Number(n)) => n.as_i64().map_or(Cell::Null, Cell::Int),
        (Read::Kind(Kind::Int), Value::String(s)) => s.parse().map_or(Cell::Null, Cell::Int),
        (Read::Kind(Kind::Float), Value::Number(n)) => n.as_f64().map_or(Cell::Null, Cell::Float),
        (Read::Kind(Kind::Float), Value::String(s)) => s.parse().map_or(Cell::Null, Cell::Float),
        (Read::Kind(Kind::Bool), Value::Bool(b)) => Cell::Bool(*b),
        (Read::Kind(Kind::Bool), Value::String(s)) => Cell::Bool(s.eq_ignore_ascii_case("true")),
        (Read::Kind(Kind::Timestamp), Value::String(s)) => {
            crate::json::parse_time(s).and_then(|t| t.to_millis().ok()).map_or(Cell::Null, Cell::Timestamp)
        }
        // A long holding a time is milliseconds since the epoch (CloudWatch Logs).
        (Read::Kind(Kind::Timestamp), Value::Number(n)) => n.as_i64().map_or(Cell::Null, Cell::Timestamp),
        (Read::Kind(Kind::Json), Value::String(s)) => Cell::Json(policy::document(s)),
        (Read::Kind(Kind::Json), other) => Cell::Json(other.clone()),
        (Read::Policy, Value::String(s)) => Cell::Json(policy::canonical(&policy::document(s))),
        (Read::Policy, other) => Cell::Json(policy::canonical(other)),
        (Read::Tags, tags) => Cell::Json(tag_object(tags)),
        (Read::Akas, arn) => Cell::Json(Value::Array(vec![arn.clone()])),
        _ => Cell::Null,
    }
}

/// A tags member as Steampipe's `tags`: an object of key -> value, whether the API
/// returns a map or a list of `{Key, Value}` pairs.
pub(super) fn tag_object(value: &Value) -> Value {
    match value {
        Value::Array(tags) => Value::Object(
            tags.iter()
                .filter_map(|tag| {
                    let key = tag.get("Key").or_else(|| tag.get("key")).or_else(|| tag.get("TagKey"))?.as_str()?;
                    let value = tag.get("Value").or_else(|| tag.get("value")).or_else(|| tag.get("TagValue"));
                    Some((key.to_string(), value.cloned().unwrap_or(Value::Null)))
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// An ARN built from the target and row members, for resources the API names by id only.
pub(super) struct ArnTemplate(Vec<ArnPart>);

pub(super) enum ArnPart {
    Literal(String),
    Partition,
    Region,
    AccountId,
    /// A member path, and whether only its last `/` segment is wanted.
    Member(Vec<String>, bool),
}

impl ArnTemplate {
    /// None when `text` is a member path rather than a template.
    pub(super) fn parse(text: &str) -> Option<ArnTemplate> {
        if !text.contains('{') {
            return None;
        }
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some((literal, after)) = rest.split_once('{') {
            let (name, tail) = after.split_once('}').unwrap_or((after, ""));
            parts.push(ArnPart::Literal(literal.to_string()));
            parts.push(match name {
                "partition" => ArnPart::Partition,
                "region" => ArnPart::Region,
                "account_id" => ArnPart::AccountId,
                member => {
                    let (path, basename) = basename(member);
                    ArnPart::Member(path.split('.').map(str::to_string).collect(), basename)
                }
            });
            rest = tail;
        }
        parts.push(ArnPart::Literal(rest.to_string()));
        Some(ArnTemplate(parts))
    }

    pub(super) fn members(&self) -> impl Iterator<Item = String> + '_ {
        self.0.iter().filter_map(|part| match part {
            ArnPart::Member(path, _) => Some(path.join(".")),
            _ => None,
        })
    }

    /// The ARN of one row; None when the row lacks a member it is built from.
    pub(super) fn render(&self, row: &Value, target: &Target) -> Option<String> {
        self.0.iter().try_fold(String::new(), |mut arn, part| {
            match part {
                ArnPart::Literal(text) => arn.push_str(text),
                ArnPart::Partition => arn.push_str(&target.partition),
                ArnPart::Region => arn.push_str(&target.region),
                ArnPart::AccountId => arn.push_str(&target.account_id),
                ArnPart::Member(path, false) => arn.push_str(lookup(row, path)?.as_str()?),
                ArnPart::Member(path, true) => arn.push_str(last_segment(lookup(row, path)?.as_str()?)),
            }
            Some(arn)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_lists_and_maps_read_alike() {
        let list = serde_json::json!([{"Key": "env", "Value": "prod"}, {"key": "team", "value": "a"}]);
        assert_eq!(tag_object(&list), serde_json::json!({"env": "prod", "team": "a"}));
        let map = serde_json::json!({"env": "prod"});
        assert_eq!(tag_object(&map), map);
    }

    #[test]
    fn arn_templates_fill_in_the_target_and_row_members() {
        let target = crate::context::testing::target("aws-cn", "cn-north-1", None, None);
        let row = serde_json::json!({"Id": "/hostedzone/Z1", "Name": "web"});
        let render = |text| ArnTemplate::parse(text).unwrap().render(&row, &target);
        assert_eq!(
            render("arn:{partition}:route53:::hostedzone/{Id|basename}").unwrap(),
            "arn:aws-cn:route53:::hostedzone/Z1"
        );
        let built = render("arn:{partition}:athena:{region}:{account_id}:workgroup/{Name}").unwrap();
        assert_eq!(built, format!("arn:aws-cn:athena:cn-north-1:{}:workgroup/web", target.account_id));
        assert_eq!(render("arn:{partition}:x:::{Absent}"), None, "no ARN from a missing member");
        assert!(ArnTemplate::parse("Attributes.QueueArn").is_none(), "a member path is not a template");
    }
}
