//! A declared table's list: its requests (one per combination of key-column values),
//! each paged, and the parent list it may run under.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::{Map, Value};

use super::value::{ArnTemplate, lookup};
use crate::context::{MAX_LOOKUPS, ScanContext};
use crate::generic::Service;
use crate::pages::{Pages, paginate};

/// The lister of `list`: its request, paginator and page-size bounds.
pub(super) fn lister(service: Service, list: &str, items: &str, item: Option<String>) -> Lister {
    let model = service.model;
    let paginator = model.paginators.get(list);
    let input = model.operation(list).ok().and_then(|op| op.input.as_ref()).map(|i| i.shape.clone());
    Lister {
        service,
        operation: list.to_string(),
        request: Map::new(),
        each: BTreeMap::new(),
        only: Map::new(),
        missing: Vec::new(),
        missing_item: None,
        items: items.split('.').map(str::to_string).collect(),
        item,
        input_token: paginator.map(|p| p.input_token.clone()).unwrap_or_default(),
        output_token: paginator.map(|p| p.output_token.clone()).unwrap_or_default(),
        limit: paginator.and_then(|p| p.limit_key.clone()).map(|key| {
            let bounds = input.as_deref().and_then(|input| model.member_path(input, &key).ok());
            let (min, max) = bounds.map_or((None, None), |(shape, _)| (shape.min, shape.max));
            (key, min.unwrap_or(1.0) as usize, max.unwrap_or(100.0) as usize)
        }),
        keys: Vec::new(),
        parent: None,
    }
}

/// The most values one EC2 filter takes.
pub(super) const EC2_FILTER_VALUES: usize = 200;

/// Each request once per value of `member`.
pub(super) fn fan_out(requests: Vec<Map<String, Value>>, member: &str, values: &[Value]) -> Vec<Map<String, Value>> {
    let one_each = |request: Map<String, Value>| {
        values.iter().map(move |value| {
            let mut request = request.clone();
            request.insert(member.to_string(), value.clone());
            request
        })
    };
    requests.into_iter().flat_map(one_each).collect()
}

/// A declared table's list: its requests (one per combination of key values), each paged.
pub(super) struct Lister {
    pub(super) service: Service,
    pub(super) operation: String,
    pub(super) request: Map<String, Value>,
    pub(super) each: BTreeMap<String, Vec<Value>>,
    pub(super) only: Map<String, Value>,
    pub(super) missing: Vec<String>,
    pub(super) missing_item: Option<Value>,
    pub(super) items: Vec<String>,
    pub(super) item: Option<String>,
    pub(super) input_token: Vec<String>,
    pub(super) output_token: Vec<String>,
    /// The page-size member and its bounds.
    pub(super) limit: Option<(String, usize, usize)>,
    /// (column, where its values go, whether the API answers it exactly)
    pub(super) keys: Vec<(String, KeyTarget, bool)>,
    pub(super) parent: Option<Arc<Parent>>,
}

/// The list a table's list is called under, once per item.
pub(super) struct Parent {
    pub(super) lister: Arc<Lister>,
    /// Request member -> the parent item member its value comes from.
    pub(super) input: BTreeMap<String, String>,
    /// Parent item members copied into each row.
    pub(super) keep: Vec<String>,
}

/// Where a key column's values go in the list request.
#[derive(Debug, Clone)]
pub(super) enum KeyTarget {
    /// A request member; `many` when it takes a list of values.
    Member { name: String, many: bool },
    /// An EC2 filter: the request's filter member and the filter's name.
    Filter { member: String, name: String },
}

impl Lister {
    pub(super) fn pages(self: Arc<Self>, scan: ScanContext) -> Pages<Value> {
        let requests = self.requests(&scan);
        let Some(parent) = self.parent.clone() else {
            return stream::iter(requests).flat_map(move |request| self.clone().paged(scan.clone(), request)).boxed();
        };
        let parents = parent.lister.clone().pages(scan.clone());
        parents
            .map_ok(move |items| {
                let (this, scan, requests, parent) = (self.clone(), scan.clone(), requests.clone(), parent.clone());
                stream::iter(items).flat_map(move |item| {
                    let bound = |request: &Map<String, Value>| {
                        let mut request = request.clone();
                        for (member, from) in &parent.input {
                            if let Some(value) = item.get(from) {
                                request.insert(member.clone(), value.clone());
                            }
                        }
                        request
                    };
                    let per_item: Vec<Map<String, Value>> = requests.iter().map(bound).collect();
                    let kept: Map<String, Value> =
                        parent.keep.iter().filter_map(|m| Some((m.clone(), item.get(m)?.clone()))).collect();
                    let (this, scan) = (this.clone(), scan.clone());
                    stream::iter(per_item).flat_map(move |request| this.clone().paged(scan.clone(), request)).map_ok(
                        move |rows| {
                            rows.into_iter()
                                .map(|mut row| {
                                    if let Value::Object(members) = &mut row {
                                        members.extend(kept.clone());
                                    }
                                    row
                                })
                                .collect()
                        },
                    )
                })
            })
            .try_flatten()
            .boxed()
    }

    /// The list requests a scan makes: the constant members and the page size, then one
    /// request per combination of key-column values.
    pub(super) fn requests(&self, scan: &ScanContext) -> Vec<Map<String, Value>> {
        // Constants may name the target (`{account_id}`: S3 Control's AccountId).
        let constant = |value: &Value| match value.as_str().and_then(ArnTemplate::parse) {
            Some(template) => template.render(&Value::Null, &scan.target).map_or(value.clone(), Value::from),
            None => value.clone(),
        };
        let mut requests: Vec<Map<String, Value>> =
            vec![self.request.iter().map(|(k, v)| (k.clone(), constant(v))).collect()];
        // Some APIs refuse a page size beside named resources (ECR's repositoryNames).
        let named = self.keys.iter().any(|(column, ..)| scan.qual(column).is_some());
        if let (Some((member, min, max)), false) = (&self.limit, named) {
            let size = scan.page_size(*min, *max);
            requests[0].insert(member.clone(), size.into());
        }
        for (member, values) in &self.each {
            requests = fan_out(requests, member, values);
        }
        for (column, target, exact) in &self.keys {
            let Some(values) = scan.qual(column) else { continue };
            // Past a few calls' worth of values, an inexact key lists everything instead and
            // leaves the filtering to the engine (EC2 takes up to 200 values per filter).
            let too_many = match target {
                KeyTarget::Filter { .. } => values.len() > EC2_FILTER_VALUES,
                _ => values.len() > MAX_LOOKUPS,
            };
            if too_many && !exact {
                continue;
            }
            let (member, choices): (&str, Vec<Value>) = match target {
                KeyTarget::Member { name, many: true } => {
                    // Where one absent name fails the call, each name is asked alone, so
                    // that it costs only its own rows.
                    let per_call = if self.missing.is_empty() { MAX_LOOKUPS } else { 1 };
                    (name, values.chunks(per_call).map(|chunk| Value::from(chunk.to_vec())).collect())
                }
                KeyTarget::Member { name, many: false } => {
                    (name, values.iter().map(|v| Value::from(v.as_str())).collect())
                }
                KeyTarget::Filter { member, name } => {
                    // Escaped, a value matches itself rather than as a wildcard pattern.
                    let escaped: Vec<String> = values.iter().map(|v| crate::services::ec2::filter_value(v)).collect();
                    for request in &mut requests {
                        let filters = request.entry(member.as_str()).or_insert_with(|| Value::Array(Vec::new()));
                        if let Value::Array(filters) = filters {
                            filters.push(serde_json::json!({"Name": name, "Values": escaped}));
                        }
                    }
                    continue;
                }
            };
            requests = fan_out(requests, member, &choices);
        }
        requests
    }

    pub(super) fn paged(self: Arc<Self>, scan: ScanContext, request: Map<String, Value>) -> Pages<Value> {
        paginate(move |token| {
            let (lister, scan, mut request) = (self.clone(), scan.clone(), request.clone());
            async move {
                if let (Some(token), Some(member)) = (&token, lister.input_token.first()) {
                    request.insert(member.clone(), token.clone().into());
                }
                let output = match lister.service.call(&scan.target, &lister.operation, &Value::Object(request)).await {
                    Err(error) if lister.missing.contains(&error.code) => {
                        return Ok((lister.missing_item.iter().cloned().collect(), None));
                    }
                    output => output?,
                };
                let next = lister.output_token.first().and_then(|path| {
                    let steps: Vec<String> = path.split('.').map(str::to_string).collect();
                    lookup(&output, &steps)?.as_str().map(str::to_string)
                });
                let mut items = match lookup(&output, &lister.items) {
                    Some(Value::Array(items)) => items.clone(),
                    Some(item @ Value::Object(_)) => vec![item.clone()],
                    _ => Vec::new(),
                };
                items.retain(|item| lister.only.iter().all(|(member, value)| item.get(member) == Some(value)));
                let rows = match &lister.item {
                    Some(member) => {
                        items.into_iter().map(|v| Value::Object(Map::from_iter([(member.clone(), v)]))).collect()
                    }
                    None => items,
                };
                Ok((rows, next))
            }
        })
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::sync::Arc;

    use crate::context::ScanContext;
    use crate::declared::tables;

    /// A one-shot HTTP server answering `responses` in turn (status, JSON body), one per
    /// connection, and handing back the request bodies it received.
    pub(in crate::declared) fn serve(
        responses: Vec<(u16, &'static str)>,
    ) -> (String, std::thread::JoinHandle<Vec<String>>) {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let mut bodies = Vec::new();
            for (status, body) in responses {
                let (stream, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap();
                    }
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut request = vec![0; length];
                reader.read_exact(&mut request).unwrap();
                bodies.push(String::from_utf8(request).unwrap());
                let response = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                (&stream).write_all(response.as_bytes()).unwrap();
            }
            bodies
        });
        (endpoint, server)
    }

    /// The values of `table`'s text `column`, fetched from `endpoint`.
    pub(in crate::declared) async fn fetch_text(table: &str, column: &str, endpoint: &str) -> Vec<String> {
        use futures::TryStreamExt;

        use crate::context::{Quals, testing};
        use crate::table::{Request, ScanEvent};

        let target = testing::target("aws", "us-east-1", Some(endpoint), None);
        let table = tables().into_iter().find(|t| t.name == table).unwrap();
        let column = table.columns.iter().position(|c| c.name == column).unwrap();
        let scan = ScanContext { target: Arc::new(target), quals: Arc::new(Quals::default()), limit: None };
        let events: Vec<ScanEvent> =
            table.fetch(scan, Request { projection: vec![column], limit: None }).try_collect().await.unwrap();
        events
            .iter()
            .flat_map(|event| match event {
                ScanEvent::Batch(batch) => {
                    let column = batch.column(0).as_any().downcast_ref::<arrow::array::StringArray>().unwrap();
                    column.iter().map(|v| v.unwrap().to_string()).collect()
                }
                ScanEvent::HydrateFailed { .. } => Vec::new(),
            })
            .collect()
    }

    #[tokio::test]
    async fn lists_follow_the_paginator_and_retry_throttled_pages() {
        let (endpoint, server) = serve(vec![
            (200, r#"{"logGroups": [{"logGroupName": "a", "creationTime": 1700000000000}], "nextToken": "t2"}"#),
            (400, r#"{"__type": "ThrottlingException", "message": "Rate exceeded"}"#),
            (200, r#"{"logGroups": [{"logGroupName": "b"}]}"#),
        ]);
        let names = fetch_text("aws_cloudwatch_log_group", "name", &endpoint).await;
        assert_eq!(names, ["a", "b"]);
        let bodies = server.join().unwrap();
        assert_eq!(bodies.len(), 3, "the throttled page was asked again: {bodies:?}");
        assert!(!bodies[0].contains("nextToken"), "{}", bodies[0]);
        assert!(bodies[1..].iter().all(|b| b.contains(r#""nextToken":"t2""#)), "{bodies:?}");
        assert!(bodies.iter().all(|b| b.contains(r#""limit":50"#)), "the page size the model allows: {bodies:?}");
    }
}
