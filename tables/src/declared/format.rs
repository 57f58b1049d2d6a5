//! The table file format: what a `tables/declared/<service>/<table>.toml` may say.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::IntoDeserializer;
use serde::de::value;
use serde_json::{Map, Value};

use crate::schema::Kind;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TableDecl {
    pub(super) table: String,
    pub(super) description: String,
    /// botocore's name of the service (`logs`, `sns`).
    pub(super) service: String,
    #[serde(default)]
    pub(super) scope: ScopeDecl,
    /// The list operation; its paginator says where the items are.
    pub(super) list: String,
    /// Where the items are in the list's output, when there is no paginator to say.
    pub(super) items: Option<String>,
    /// For lists of scalars (queue URLs, table names): the member name each row gives it.
    pub(super) item: Option<String>,
    /// Constant members of every list request.
    #[serde(default)]
    pub(super) request: Map<String, Value>,
    /// Request member -> values: one list request per value (the three alternate contact types).
    #[serde(default)]
    pub(super) each: BTreeMap<String, Vec<Value>>,
    /// Item member -> the value a row must have (a load balancer table keeps one type).
    #[serde(default)]
    pub(super) only: Map<String, Value>,
    /// The page-size bounds the API enforces, where the model does not say them
    /// (RDS: 20 to 100).
    pub(super) page_size: Option<(usize, usize)>,
    /// Error codes of the list call that mean "none": a key column's value that names
    /// nothing (a load balancer or DB cluster that does not exist) is no rows, not a failure.
    #[serde(default)]
    pub(super) missing: Vec<String>,
    /// The item a `missing` answer of the list stands for, where "none" has a meaning
    /// (S3 account settings never set: all four blocks off).
    pub(super) missing_item: Option<Value>,
    /// The member naming the resource, or a template like `arn`'s.
    pub(super) title: Option<String>,
    /// The member holding the ARN, or a template building it where the API gives none:
    /// `arn:{partition}:ec2:{region}:{account_id}:key-pair/{KeyName}`.
    pub(super) arn: Option<String>,
    /// The member holding the tags, or `false` for a resource type AWS cannot tag.
    pub(super) tags: Option<TagsDecl>,
    #[serde(default)]
    pub(super) keys: BTreeMap<String, KeyDecl>,
    /// A list to call first, the table's list then called once per item of it
    /// (listeners per load balancer, stages per REST API).
    pub(super) parent: Option<ParentDecl>,
    #[serde(default)]
    pub(super) hydrate: Vec<HydrateDecl>,
    #[serde(default)]
    pub(super) columns: BTreeMap<String, ColumnDecl>,
    /// Members of the item or of a hydrate's output left out of the columns.
    #[serde(default)]
    pub(super) exclude: Vec<String>,
    #[serde(default)]
    pub(super) example: String,
}

#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum ScopeDecl {
    #[default]
    Regional,
    Global,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ParentDecl {
    pub(super) list: String,
    pub(super) items: Option<String>,
    pub(super) item: Option<String>,
    /// The table's list request member -> the parent item member its value comes from.
    pub(super) input: BTreeMap<String, String>,
    /// Parent item members copied into each row (and so columns).
    #[serde(default)]
    pub(super) keep: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct KeyDecl {
    /// The list request member the column's values go to: a list member takes them all in
    /// one call, a scalar one call per value.
    pub(super) member: Option<String>,
    /// Or the EC2 filter (`Filters: [{Name, Values}]`) that takes them all in one call.
    pub(super) filter: Option<String>,
    /// Whether the API answers exactly `column = value` (a name prefix does not).
    #[serde(default)]
    pub(super) exact: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HydrateDecl {
    pub(super) operation: String,
    /// Request member -> the row member its value comes from.
    pub(super) input: BTreeMap<String, String>,
    /// Constant members of every request.
    #[serde(default)]
    pub(super) request: Map<String, Value>,
    /// The output member whose members join the row; by default the whole output.
    pub(super) merge: Option<String>,
    /// Error codes that mean "nothing to add" (no policy, not configured).
    #[serde(default)]
    pub(super) missing: Vec<String>,
    /// Request members that take a list: a row's one value is sent as a list of one.
    #[serde(skip)]
    pub(super) list_inputs: Vec<String>,
    /// The operation's paginator, when it has one: every page is read into the row.
    #[serde(skip)]
    pub(super) pages: Option<HydratePages>,
}

/// Where a paginated hydrate's page token goes in, comes out, and what each page lists.
#[derive(Debug)]
pub(super) struct HydratePages {
    pub(super) input_token: String,
    pub(super) output_token: String,
    /// The list members each page adds to.
    pub(super) result_keys: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum TagsDecl {
    Member(String),
    Taggable(bool),
}

/// A column's `from`: a member path, or a template as `arn` takes (Steampipe's `arn` of a
/// resource whose API gives none).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum ColumnDecl {
    Path(String),
    Full {
        from: String,
        #[serde(rename = "type")]
        kind: Option<Read>,
        description: Option<String>,
    },
}

/// How a column reads its member: as a value of a [`Kind`], or in one of Steampipe's
/// JSON forms. A table file names it as `type`: a kind (`text`, `int`, `float`, `bool`,
/// `timestamp`, `json`) or a form (`policy`, `tags`, `akas`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub(super) enum Read {
    /// JSON kinds read as they are, or parsed from text holding a JSON document.
    Kind(Kind),
    /// A policy document in Steampipe's canonical `*_std` form.
    Policy,
    /// Tags as an object of key -> value, from a map or a list of `{Key, Value}`.
    Tags,
    /// An ARN as Steampipe's `akas`: a one-element JSON array.
    Akas,
}

impl Read {
    pub(super) fn kind(self) -> Kind {
        match self {
            Read::Kind(kind) => kind,
            Read::Policy | Read::Tags | Read::Akas => Kind::Json,
        }
    }
}

impl TryFrom<String> for Read {
    type Error = String;

    fn try_from(name: String) -> Result<Read, String> {
        Ok(match name.as_str() {
            "policy" => Read::Policy,
            "tags" => Read::Tags,
            "akas" => Read::Akas,
            kind => Read::Kind(Kind::deserialize(kind.into_deserializer()).map_err(|_: value::Error| {
                format!("unknown type `{name}`: one of text, int, float, bool, timestamp, json, policy, tags, akas")
            })?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_type_is_a_kind_or_a_json_form() {
        let read = |name: &str| Read::try_from(name.to_string());
        assert_eq!(read("int"), Ok(Read::Kind(Kind::Int)));
        assert_eq!(read("timestamp"), Ok(Read::Kind(Kind::Timestamp)));
        assert_eq!(read("policy"), Ok(Read::Policy));
        assert_eq!(read("policy").map(Read::kind), Ok(Kind::Json));
        let refused = read("integer").unwrap_err();
        assert!(refused.contains("unknown type `integer`") && refused.contains("akas"), "{refused}");
    }
}
