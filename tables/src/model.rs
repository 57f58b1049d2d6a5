//! The AWS service models the declared tables are read against: the compact copies
//! of botocore's models in `tables/models/` (written by `tables/models/update.py`),
//! embedded in the binary and parsed on first use.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
pub(crate) use embedded::DECLARED;

#[derive(Debug, Deserialize)]
pub(crate) struct Model {
    pub(crate) metadata: Metadata,
    pub(crate) operations: HashMap<String, Operation>,
    #[serde(default)]
    pub(crate) paginators: HashMap<String, Paginator>,
    pub(crate) shapes: HashMap<String, Shape>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Metadata {
    pub(crate) api_version: String,
    pub(crate) endpoint_prefix: String,
    pub(crate) global_endpoint: Option<String>,
    pub(crate) json_version: Option<String>,
    pub(crate) protocol: Protocol,
    pub(crate) service_id: String,
    pub(crate) signing_name: Option<String>,
    pub(crate) target_prefix: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(crate) enum Protocol {
    #[serde(rename = "json")]
    Json,
    #[serde(rename = "query")]
    Query,
    #[serde(rename = "rest-json")]
    RestJson,
    #[serde(rename = "rest-xml")]
    RestXml,
    #[serde(rename = "ec2")]
    Ec2,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Operation {
    pub(crate) http: Http,
    /// Labels the endpoint's host starts with, from input members (`{AccountId}.`).
    #[serde(rename = "hostPrefix")]
    pub(crate) host_prefix: Option<String>,
    pub(crate) input: Option<ShapeRef>,
    pub(crate) output: Option<ShapeRef>,
}

/// Where a REST operation is sent: its method and URI template (`/clusters/{name}`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Http {
    pub(crate) method: String,
    pub(crate) request_uri: String,
}

/// A reference to a shape from an operation or a member, with how it is serialized there.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ShapeRef {
    pub(crate) shape: String,
    /// Where a REST protocol puts the member: `uri`, `querystring`, `header`; None: the body.
    pub(crate) location: Option<String>,
    pub(crate) location_name: Option<String>,
    /// EC2's name for the member in a request, where it differs.
    pub(crate) query_name: Option<String>,
    #[serde(default)]
    pub(crate) flattened: bool,
    pub(crate) result_wrapper: Option<String>,
    pub(crate) timestamp_format: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Member {
    pub(crate) name: String,
    #[serde(flatten)]
    pub(crate) target: ShapeRef,
    pub(crate) doc: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Shape {
    #[serde(rename = "type")]
    pub(crate) kind: ShapeKind,
    #[serde(default)]
    pub(crate) members: Vec<Member>,
    pub(crate) member: Option<ShapeRef>,
    pub(crate) key: Option<ShapeRef>,
    pub(crate) value: Option<ShapeRef>,
    #[serde(default)]
    pub(crate) flattened: bool,
    pub(crate) timestamp_format: Option<String>,
    /// The member that is the whole body (REST protocols).
    pub(crate) payload: Option<String>,
    pub(crate) min: Option<f64>,
    pub(crate) max: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ShapeKind {
    Structure,
    List,
    Map,
    String,
    Integer,
    Long,
    Float,
    Double,
    Boolean,
    Timestamp,
    Blob,
}

/// How a list operation pages: botocore's paginator, with its single-key forms as lists.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) struct Paginator {
    #[serde(deserialize_with = "one_or_many")]
    pub(crate) input_token: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub(crate) output_token: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub(crate) result_key: Vec<String>,
    pub(crate) limit_key: Option<String>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(one) => vec![one],
        OneOrMany::Many(many) => many,
    })
}

impl Metadata {
    /// The name requests are signed for, and which the read-only guard knows calls by.
    pub(crate) fn signing_name(&self) -> &str {
        self.signing_name.as_deref().unwrap_or(&self.endpoint_prefix)
    }
}

impl Model {
    pub(crate) fn shape(&self, name: &str) -> Result<&Shape, String> {
        self.shapes.get(name).ok_or_else(|| format!("{}: no shape {name}", self.metadata.service_id))
    }

    pub(crate) fn operation(&self, name: &str) -> Result<&Operation, String> {
        self.operations.get(name).ok_or_else(|| {
            format!("{}: no operation {name} in the model copy (run tables/models/update.py)", self.metadata.service_id)
        })
    }

    /// The shape a dotted member path (`Table.SSEDescription`) leads to from `shape`,
    /// with the last member's reference. Lists are looked through.
    pub(crate) fn member_path<'a>(&'a self, shape: &'a str, path: &str) -> Result<(&'a Shape, ShapeRef), String> {
        let mut current = ShapeRef { shape: shape.to_string(), ..ShapeRef::default() };
        for step in path.split('.') {
            let mut holder = self.shape(&current.shape)?;
            while holder.kind == ShapeKind::List {
                holder = self.shape(holder.member.as_ref().map_or("", |m| m.shape.as_str()))?;
            }
            let member = holder.members.iter().find(|m| m.name == step);
            current = match (member, holder.kind) {
                (Some(member), _) => member.target.clone(),
                // A map's values are reached by any key (`Attributes.Policy`).
                (None, ShapeKind::Map) => holder.value.clone().unwrap_or_default(),
                (None, _) => return Err(format!("{}: {shape} has no member {path}", self.metadata.service_id)),
            };
        }
        Ok((self.shape(&current.shape)?, current))
    }
}

/// The model of `service` (botocore's name for it: `logs`, `sns`), parsed once.
pub(crate) fn model(service: &str) -> Result<&'static Model, String> {
    static MODELS: OnceLock<HashMap<&'static str, Result<Model, String>>> = OnceLock::new();
    let models = MODELS.get_or_init(|| {
        embedded::MODELS
            .iter()
            .map(|(name, text)| (*name, serde_json::from_str(text).map_err(|e| format!("model {name}: {e}"))))
            .collect()
    });
    match models.get(service) {
        Some(Ok(model)) => Ok(model),
        Some(Err(e)) => Err(e.clone()),
        None => Err(format!("no model for service {service} (run tables/models/update.py)")),
    }
}
