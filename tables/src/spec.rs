//! Declarative tables: a TOML file per table (`tables/specs/<service>/<table>.toml`)
//! naming its list operation, key columns, hydrate calls and column overrides, read
//! against the service model. Every other column comes from the model: each member of
//! the listed item (and of what a hydrate returns) is a column named in snake_case, typed
//! by its shape. Rows are the items as JSON values, scanned by the same [`Def`] as the
//! Rust tables.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use futures::FutureExt;
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::cell::Cell;
use crate::context::{MAX_LOOKUPS, ScanContext};
use crate::def::Def;
use crate::error::FetchError;
use crate::generic::Service;
use crate::model::{Model, SPECS, ShapeKind, ShapeRef};
use crate::pages::{Pages, paginate};
use crate::policy;
use crate::schema::{Kind, Scope};
use crate::table::Table;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    table: String,
    description: String,
    /// botocore's name of the service (`logs`, `sns`).
    service: String,
    #[serde(default)]
    scope: SpecScope,
    /// The list operation; its paginator says where the items are.
    list: String,
    /// Where the items are in the list's output, when there is no paginator to say.
    items: Option<String>,
    /// For lists of scalars (queue URLs, table names): the member name each row gives it.
    item: Option<String>,
    /// Constant members of every list request.
    #[serde(default)]
    request: Map<String, Value>,
    /// Request member -> values: one list request per value (the three alternate contact types).
    #[serde(default)]
    each: BTreeMap<String, Vec<Value>>,
    /// Item member -> the value a row must have (a load balancer table keeps one type).
    #[serde(default)]
    only: Map<String, Value>,
    /// The page-size bounds the API enforces, where the model does not say them
    /// (RDS: 20 to 100).
    page_size: Option<(usize, usize)>,
    /// Error codes of the list call that mean "none": a key column's value that names
    /// nothing (a load balancer or DB cluster that does not exist) is no rows, not a failure.
    #[serde(default)]
    missing: Vec<String>,
    /// The item a `missing` answer of the list stands for, where "none" has a meaning
    /// (S3 account settings never set: all four blocks off).
    missing_item: Option<Value>,
    /// The member naming the resource, or a template like `arn`'s.
    title: Option<String>,
    /// The member holding the ARN, or a template building it where the API gives none:
    /// `arn:{partition}:ec2:{region}:{account_id}:key-pair/{KeyName}`.
    arn: Option<String>,
    /// The member holding the tags, or `false` for a resource type AWS cannot tag.
    tags: Option<TagsSpec>,
    #[serde(default)]
    keys: BTreeMap<String, KeySpec>,
    /// A list to call first, the table's list then called once per item of it
    /// (listeners per load balancer, stages per REST API).
    parent: Option<ParentSpec>,
    #[serde(default)]
    hydrate: Vec<HydrateSpec>,
    #[serde(default)]
    columns: BTreeMap<String, ColumnSpec>,
    /// Members of the item or of a hydrate's output left out of the columns.
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    example: String,
}

#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum SpecScope {
    #[default]
    Regional,
    Global,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParentSpec {
    list: String,
    items: Option<String>,
    item: Option<String>,
    /// The table's list request member -> the parent item member its value comes from.
    input: BTreeMap<String, String>,
    /// Parent item members copied into each row (and so columns).
    #[serde(default)]
    keep: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeySpec {
    /// The list request member the column's values go to: a list member takes them all in
    /// one call, a scalar one call per value.
    member: Option<String>,
    /// Or the EC2 filter (`Filters: [{Name, Values}]`) that takes them all in one call.
    filter: Option<String>,
    /// Whether the API answers exactly `column = value` (a name prefix does not).
    #[serde(default)]
    exact: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HydrateSpec {
    operation: String,
    /// Request member -> the row member its value comes from.
    input: BTreeMap<String, String>,
    /// Constant members of every request.
    #[serde(default)]
    request: Map<String, Value>,
    /// The output member whose members join the row; by default the whole output.
    merge: Option<String>,
    /// Error codes that mean "nothing to add" (no policy, not configured).
    #[serde(default)]
    missing: Vec<String>,
    /// Request members that take a list: a row's one value is sent as a list of one.
    #[serde(skip)]
    list_inputs: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum TagsSpec {
    Member(String),
    Taggable(bool),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ColumnSpec {
    Path(String),
    Full {
        from: String,
        #[serde(rename = "type")]
        kind: Option<ColumnType>,
        description: Option<String>,
    },
}

/// How a column reads its member, when not as the model types it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ColumnType {
    Text,
    Int,
    Float,
    Bool,
    Timestamp,
    /// JSON as it is, or parsed from text holding a JSON document.
    Json,
    /// A policy document in Steampipe's canonical `*_std` form.
    Policy,
    /// Tags as an object of key -> value, from a map or a list of `{Key, Value}`.
    Tags,
    /// An ARN as Steampipe's `akas`: a one-element JSON array.
    Akas,
}

/// Every declarative table, parsed once. A spec that does not resolve against its model
/// is a defect of the build (the catalog's test reads them all), reported by name.
pub(crate) fn tables() -> Vec<Table> {
    static TABLES: OnceLock<Vec<Table>> = OnceLock::new();
    TABLES
        .get_or_init(|| {
            SPECS.iter().map(|(file, text)| table(text).unwrap_or_else(|e| panic!("table spec {file}: {e}"))).collect()
        })
        .clone()
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// A column of a declared table: where in the row its value is, and how to read it.
struct Column {
    name: &'static str,
    path: Vec<String>,
    kind: Kind,
    read: ColumnType,
    description: &'static str,
    /// The hydrate (by index) that fills it; None for the list's own members.
    hydrate: Option<usize>,
    /// Only the last `/` segment of the value ([`basename`]).
    basename: bool,
}

/// A member path may end in `|basename`: the value's last `/` segment, for ids the API
/// gives as paths (`/hostedzone/Z1` -> `Z1`). The path without it, and whether it had it.
fn basename(path: &str) -> (&str, bool) {
    path.strip_suffix("|basename").map_or((path, false), |path| (path, true))
}

fn last_segment(value: &str) -> &str {
    value.rsplit('/').next().unwrap_or(value)
}

fn table(text: &str) -> Result<Table, String> {
    let mut spec: Spec = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let service = Service::new(leak(spec.service.clone()))?;
    let model = service.model;
    let list = model.operation(&spec.list)?;
    let (items, item_ref) = list_items(model, &spec.list, spec.items.as_deref())?;

    let mut columns: Vec<Column> = Vec::new();
    let mut add = |column: Column| match columns.iter().position(|c| c.name == column.name) {
        Some(i) => columns[i] = column,
        None => columns.push(column),
    };
    let row_shape = match (&spec.item, model.shape(&item_ref.shape)?.kind) {
        (None, ShapeKind::Structure) => Some(item_ref.shape.clone()),
        (Some(member), _) => {
            let description = leak(format!("The {member}."));
            let read = read_of(model.shape(&item_ref.shape)?.kind);
            add(Column {
                name: leak(snake_case(member)),
                path: vec![member.clone()],
                kind: kind_of(read),
                read,
                description,
                hydrate: None,
                basename: false,
            });
            None
        }
        (None, _) => return Err(format!("the items of {items} are not structures: name them with `item`")),
    };
    if let Some(shape) = &row_shape {
        for column in auto_columns(model, shape, &spec.exclude, None)? {
            add(column);
        }
        for member in spec.only.keys() {
            model.member_path(shape, member)?;
        }
    }
    let parent_item = match &spec.parent {
        Some(parent) => Some(list_items(model, &parent.list, parent.items.as_deref())?.1),
        None => None,
    };
    let kept = |member: &str| -> Result<Option<ShapeRef>, String> {
        let (Some(parent), Some(item)) = (&spec.parent, &parent_item) else { return Ok(None) };
        if !parent.keep.iter().any(|k| k == member) {
            return Ok(None);
        }
        if parent.item.as_deref() == Some(member) {
            return Ok(Some(item.clone()));
        }
        Ok(Some(model.member_path(&item.shape, member)?.1))
    };
    for member in spec.parent.iter().flat_map(|p| &p.keep).filter(|m| !spec.exclude.contains(m)) {
        let target = kept(member)?.ok_or("unreachable: a kept member")?;
        let read = read_of(model.shape(&target.shape)?.kind);
        let description = leak(format!("The {member} of the parent the row was listed under."));
        let path = vec![member.clone()];
        add(Column {
            name: leak(snake_case(member)),
            path,
            kind: kind_of(read),
            read,
            description,
            hydrate: None,
            basename: false,
        });
    }
    let mut listed_roots: Vec<&str> = match &row_shape {
        Some(shape) => model.shape(shape)?.members.iter().map(|m| m.name.as_str()).collect(),
        None => Vec::new(),
    };
    listed_roots.extend(spec.item.as_deref());
    listed_roots.extend(spec.parent.iter().flat_map(|p| p.keep.iter().map(String::as_str)));
    // What each hydrate merges into the row (the structure, its members), to assign
    // declared columns to them.
    let mut hydrate_outputs: Vec<(String, Vec<String>)> = Vec::new();
    for (index, hydrate) in spec.hydrate.iter_mut().enumerate() {
        let operation = model.operation(&hydrate.operation)?;
        let output = operation.output.as_ref().ok_or(format!("{} has no output", hydrate.operation))?;
        let merged = merged_shape(model, &output.shape, hydrate.merge.as_deref())?;
        let input = operation.input.as_ref().ok_or(format!("{} has no input", hydrate.operation))?;
        for member in hydrate.input.keys().chain(hydrate.request.keys()) {
            if model.member_path(&input.shape, member)?.0.kind == ShapeKind::List {
                hydrate.list_inputs.push(member.clone());
            }
        }
        // What the list already gives stays the list's: no call for a column it fills.
        for column in auto_columns(model, &merged, &spec.exclude, Some(index))? {
            if !listed_roots.contains(&column.path[0].as_str()) {
                add(column);
            }
        }
        let members = model.shape(&merged)?.members.iter().map(|m| m.name.clone()).collect();
        hydrate_outputs.push((merged, members));
    }
    let row_member = |path: &str| -> Result<(Option<usize>, ShapeRef), String> {
        let root = path.split('.').next().unwrap_or(path);
        if let Some(target) = kept(root)? {
            return match path.split_once('.') {
                Some((_, rest)) => Ok((None, model.member_path(&target.shape, rest)?.1)),
                None => Ok((None, target)),
            };
        }
        if spec.item.as_deref() == Some(path) {
            return Ok((None, item_ref.clone()));
        }
        let from_hydrate = hydrate_outputs.iter().position(|(_, members)| members.iter().any(|m| m == root));
        if let Some(index) = from_hydrate.filter(|_| !listed_roots.contains(&root)) {
            return Ok((Some(index), model.member_path(&hydrate_outputs[index].0, path)?.1));
        }
        match &row_shape {
            Some(shape) => Ok((None, model.member_path(shape, path)?.1)),
            None => Err(format!("no member {path} in the item or a hydrate's output")),
        }
    };
    for (name, column) in &spec.columns {
        let (from, read, description) = match column {
            ColumnSpec::Path(from) => (from, None, None),
            ColumnSpec::Full { from, kind, description } => (from, *kind, description.clone()),
        };
        let (from, basename) = basename(from);
        let (hydrate, target) = row_member(from)?;
        let read = read.unwrap_or(read_of(model.shape(&target.shape)?.kind));
        let description = description.unwrap_or_else(|| member_doc(model, &row_shape, from));
        let path = from.split('.').map(str::to_string).collect();
        add(Column {
            name: leak(name.clone()),
            path,
            kind: kind_of(read),
            read,
            description: leak(description),
            hydrate,
            basename,
        });
    }
    let template = |text: Option<&String>| -> Result<Option<ArnTemplate>, String> {
        let Some(template) = text.and_then(|text| ArnTemplate::parse(text)) else { return Ok(None) };
        for member in template.members() {
            if row_member(&member)?.0.is_some() {
                return Err(format!("the template's {member} is not a listed member"));
            }
        }
        Ok(Some(template))
    };
    let arn_template = template(spec.arn.as_ref())?;
    let title_template = template(spec.title.as_ref())?;
    let tags = match &spec.tags {
        Some(TagsSpec::Member(member)) => Some(member),
        Some(TagsSpec::Taggable(true)) => return Err("`tags` names the member holding them, or is false".into()),
        Some(TagsSpec::Taggable(false)) | None => None,
    };
    let arn = spec.arn.as_ref().filter(|_| arn_template.is_none());
    let title = spec.title.as_ref().filter(|_| title_template.is_none());
    for (name, from, read, description) in [
        ("title", title, ColumnType::Text, "The resource's name."),
        ("akas", arn, ColumnType::Akas, "The resource's ARN, as a one-element JSON array."),
        ("tags", tags, ColumnType::Tags, "The tags, as an object of key -> value."),
    ] {
        if let Some(from) = from {
            let (hydrate, _) = row_member(from)?;
            let path = from.split('.').map(str::to_string).collect();
            add(Column { name, path, kind: kind_of(read), read, description, hydrate, basename: false });
        }
    }

    let list_input = list.input.as_ref().map(|i| i.shape.clone());
    let mut keys: Vec<(String, KeyTarget, bool)> = Vec::new();
    for (column, key) in &spec.keys {
        let input = list_input.as_deref().ok_or("the list operation takes no input")?;
        if !columns.iter().any(|c| c.name == column) {
            return Err(format!("key column {column} is not a column"));
        }
        let target = match (&key.member, &key.filter) {
            (Some(member), None) => {
                let (shape, _) = model.member_path(input, member)?;
                KeyTarget::Member { name: member.clone(), many: shape.kind == ShapeKind::List }
            }
            (None, Some(filter)) if !key.exact => {
                let member = ["Filters", "Filter"].into_iter().find(|m| model.member_path(input, m).is_ok());
                let member = member.ok_or(format!("{} takes no Filters", spec.list))?;
                KeyTarget::Filter { member: member.to_string(), name: filter.clone() }
            }
            (None, Some(_)) => return Err(format!("key column {column}: EC2 filters match wildcards, never exactly")),
            _ => return Err(format!("key column {column} names one `member` or one `filter`")),
        };
        keys.push((column.clone(), target, key.exact));
    }

    let parent_call = spec.parent.as_ref().map(|p| format!("{}:{} (per item:)", spec.service, p.list));
    let calls = parent_call.into_iter().chain([format!("{}:{}", spec.service, spec.list)]);
    let list_api = leak(calls.collect::<Vec<_>>().join(", "));
    let parent = match &spec.parent {
        Some(parent) => {
            let (items, _) = list_items(model, &parent.list, parent.items.as_deref())?;
            let operation = model.operation(&spec.list)?;
            let input = operation.input.as_ref().ok_or("the list operation takes no input")?;
            for member in parent.input.keys() {
                model.member_path(&input.shape, member)?;
            }
            Some(Arc::new(Parent {
                lister: Arc::new(lister(service, &parent.list, &items, parent.item.clone())),
                input: parent.input.clone(),
                keep: parent.keep.clone(),
            }))
        }
        None => None,
    };
    let input = list.input.as_ref().map(|i| i.shape.as_str()).unwrap_or_default();
    for member in spec.request.keys().chain(spec.each.keys()) {
        model.member_path(input, member)?;
    }
    if spec.missing_item.is_some() && !spec.keys.is_empty() {
        return Err("`missing_item` stands for a whole list's answer: a table with key columns cannot have one".into());
    }
    let templated = spec.request.values().filter_map(|v| v.as_str().and_then(ArnTemplate::parse));
    if let Some(member) = templated.flat_map(|t| t.members().collect::<Vec<_>>()).next() {
        return Err(format!("a list request is built from the target only, not from {member}"));
    }
    let mut lister = Lister {
        request: spec.request.clone(),
        each: spec.each.clone(),
        only: spec.only.clone(),
        missing: spec.missing.clone(),
        missing_item: spec.missing_item.clone(),
        keys: keys.clone(),
        parent,
        ..lister(service, &spec.list, &items, spec.item.clone())
    };
    if let (Some((min, max)), Some(limit)) = (spec.page_size, lister.limit.as_mut()) {
        (limit.1, limit.2) = (min, max);
    }
    let lister = Arc::new(lister);
    let scope = match spec.scope {
        SpecScope::Regional => Scope::Regional,
        SpecScope::Global => Scope::Global,
    };
    let mut def =
        Def::new(leak(spec.table), leak(spec.description), scope, list_api, move |scan| lister.clone().pages(scan))
            .example(leak(spec.example));
    for (column, target, exact) in keys {
        let api = match target {
            KeyTarget::Member { name, .. } => format!("{} {name}", spec.list),
            KeyTarget::Filter { member, name } => format!("{} {member} {name}", spec.list),
        };
        def = def.key(leak(column), exact, leak(api));
    }
    // A hydrate whose input another hydrate returns (DynamoDB's tags need the ARN that
    // DescribeTable gives) makes that call first when the row lacks it.
    let prerequisites: Vec<Vec<usize>> = spec
        .hydrate
        .iter()
        .map(|hydrate| {
            let roots =
                hydrate.input_members().into_iter().map(|from| from.split('.').next().unwrap_or(&from).to_string());
            let from_hydrates = roots.filter(|root| !listed_roots.contains(&root.as_str())).map(|root| {
                let earlier = hydrate_outputs.iter().position(|(_, members)| members.contains(&root));
                earlier.ok_or(format!("{}: no listed member or earlier hydrate gives {root}", hydrate.operation))
            });
            from_hydrates.collect::<Result<Vec<usize>, String>>()
        })
        .collect::<Result<_, _>>()?;
    let hydrates: Vec<Arc<HydrateSpec>> = spec.hydrate.into_iter().map(Arc::new).collect();
    for (index, hydrate) in hydrates.iter().enumerate() {
        let filled: Vec<&'static str> = columns.iter().filter(|c| c.hydrate == Some(index)).map(|c| c.name).collect();
        let api = leak(format!("{}:{}", spec.service, hydrate.operation));
        let first: Vec<Arc<HydrateSpec>> = prerequisites[index].iter().map(|&i| hydrates[i].clone()).collect();
        let hydrate = hydrate.clone();
        def = def.hydrate(api, &filled, move |scan, row| {
            let (hydrate, first) = (hydrate.clone(), first.clone());
            async move {
                let mut row = row;
                for earlier in &first {
                    if hydrate.gave(&row) {
                        break;
                    }
                    row = earlier.run(service, &scan, row).await?;
                }
                hydrate.run(service, &scan, row).await
            }
            .boxed()
        });
    }
    for column in columns {
        let Column { name, path, kind, read, description, basename, .. } = column;
        def = def.column(name, kind, description, move |row, _| match (basename, lookup(row, &path)) {
            (true, Some(Value::String(id))) => Cell::from(last_segment(id)),
            (_, value) => cell(value, read),
        });
    }
    if let Some(template) = title_template {
        def = def.column("title", Kind::Text, "The resource's name.", move |row, target| {
            template.render(row, target).map_or(Cell::Null, Cell::from)
        });
    }
    if let Some(template) = arn_template {
        let description = "The resource's ARN (built from its identifiers), as a one-element JSON array.";
        def = def.column("akas", Kind::Json, description, move |row, target| {
            template.render(row, target).map_or(Cell::Null, |arn| Cell::Json(Value::Array(vec![arn.into()])))
        });
    }
    if matches!(spec.tags, Some(TagsSpec::Taggable(false))) {
        def = def.untagged();
    }
    Ok(def.build())
}

/// Where a list operation's items are (its paginator's result key, or `items`), and
/// the shape of one item.
fn list_items(model: &Model, list: &str, items: Option<&str>) -> Result<(String, ShapeRef), String> {
    let output = model.operation(list)?.output.as_ref().ok_or(format!("{list} has no output"))?.shape.clone();
    let paginator = model.paginators.get(list);
    let items = items
        .map(str::to_string)
        .or_else(|| paginator.and_then(|p| p.result_key.first().cloned()))
        .ok_or(format!("no paginator says where the items of {list} are: name them with `items`"))?;
    let (items_shape, reference) = model.member_path(&output, &items)?;
    // A Get call answering one structure lists that one item.
    let item = match items_shape.kind {
        ShapeKind::Structure => reference,
        _ => items_shape.member.clone().ok_or(format!("{items} is neither a list nor a structure"))?,
    };
    Ok((items, item))
}

/// The lister of `list`: its request, paginator and page-size bounds.
fn lister(service: Service, list: &str, items: &str, item: Option<String>) -> Lister {
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

/// The structure a hydrate's `merge` path leads to in its output (a list's items, for
/// batch calls asked about one row), or the output itself.
fn merged_shape(model: &Model, output: &str, merge: Option<&str>) -> Result<String, String> {
    let Some(path) = merge else { return Ok(output.to_string()) };
    let (shape, reference) = model.member_path(output, path)?;
    Ok(match (&shape.kind, &shape.member) {
        (ShapeKind::List, Some(item)) => item.shape.clone(),
        _ => reference.shape,
    })
}

/// A column for each member of the structure `shape`, typed by the model.
fn auto_columns(model: &Model, shape: &str, exclude: &[String], hydrate: Option<usize>) -> Result<Vec<Column>, String> {
    let structure = model.shape(shape)?;
    let mut columns = Vec::new();
    for member in structure.members.iter().filter(|m| !exclude.contains(&m.name)) {
        let read = read_of(model.shape(&member.target.shape)?.kind);
        let description = leak(member.doc.clone().unwrap_or_else(|| format!("The {}.", member.name)));
        let path = vec![member.name.clone()];
        columns.push(Column {
            name: leak(snake_case(&member.name)),
            path,
            kind: kind_of(read),
            read,
            description,
            hydrate,
            basename: false,
        });
    }
    Ok(columns)
}

fn member_doc(model: &Model, row_shape: &Option<String>, path: &str) -> String {
    let leaf = path.rsplit('.').next().unwrap_or(path);
    let doc = row_shape.as_deref().and_then(|shape| {
        let parent = path.rsplit_once('.').map(|(parent, _)| parent);
        let holder = match parent {
            Some(parent) => model.member_path(shape, parent).ok()?.0,
            None => model.shape(shape).ok()?,
        };
        holder.members.iter().find(|m| m.name == leaf)?.doc.clone()
    });
    doc.unwrap_or_else(|| format!("The {leaf}."))
}

fn read_of(kind: ShapeKind) -> ColumnType {
    match kind {
        ShapeKind::String | ShapeKind::Blob => ColumnType::Text,
        ShapeKind::Integer | ShapeKind::Long => ColumnType::Int,
        ShapeKind::Float | ShapeKind::Double => ColumnType::Float,
        ShapeKind::Boolean => ColumnType::Bool,
        ShapeKind::Timestamp => ColumnType::Timestamp,
        ShapeKind::Structure | ShapeKind::List | ShapeKind::Map => ColumnType::Json,
    }
}

fn kind_of(read: ColumnType) -> Kind {
    match read {
        ColumnType::Text => Kind::Text,
        ColumnType::Int => Kind::Int,
        ColumnType::Float => Kind::Float,
        ColumnType::Bool => Kind::Bool,
        ColumnType::Timestamp => Kind::Timestamp,
        ColumnType::Json | ColumnType::Policy | ColumnType::Tags | ColumnType::Akas => Kind::Json,
    }
}

/// Steampipe's column name for a member: `DBInstanceIdentifier` -> `db_instance_identifier`,
/// `logGroupArn` -> `log_group_arn`, `KMSKeyId` -> `kms_key_id`.
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let previous = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            // An acronym's plural (`ARNs`) stays one word.
            let plural = chars.get(i + 1) == Some(&'s') && chars.get(i + 2).is_none_or(|n| !n.is_lowercase());
            let new_word = previous.is_uppercase() && next_is_lower && !plural;
            if previous.is_lowercase() || previous.is_ascii_digit() || new_word {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The value at a member path; a list on the way is looked into at its first item
/// (`metricTransformations.metricName`: the first transformation's metric).
fn lookup<'a>(row: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(row, |value, step| match value {
        Value::Array(items) => items.first()?.get(step),
        _ => value.get(step),
    })
}

fn cell(value: Option<&Value>, read: ColumnType) -> Cell<'_> {
    let Some(value) = value.filter(|v| !v.is_null()) else { return Cell::Null };
    match (read, value) {
        (ColumnType::Text, Value::String(s)) => Cell::from(s.as_str()),
        (ColumnType::Text, other) => Cell::from(other.to_string()),
        (ColumnType::Int, Value::Number(n)) => n.as_i64().map_or(Cell::Null, Cell::Int),
        (ColumnType::Int, Value::String(s)) => s.parse().map_or(Cell::Null, Cell::Int),
        (ColumnType::Float, Value::Number(n)) => n.as_f64().map_or(Cell::Null, Cell::Float),
        (ColumnType::Float, Value::String(s)) => s.parse().map_or(Cell::Null, Cell::Float),
        (ColumnType::Bool, Value::Bool(b)) => Cell::Bool(*b),
        (ColumnType::Bool, Value::String(s)) => Cell::Bool(s.eq_ignore_ascii_case("true")),
        (ColumnType::Timestamp, Value::String(s)) => {
            crate::json::parse_time(s).and_then(|t| t.to_millis().ok()).map_or(Cell::Null, Cell::Timestamp)
        }
        // A long holding a time is milliseconds since the epoch (CloudWatch Logs).
        (ColumnType::Timestamp, Value::Number(n)) => n.as_i64().map_or(Cell::Null, Cell::Timestamp),
        (ColumnType::Json, Value::String(s)) => Cell::Json(policy::document(s)),
        (ColumnType::Json, other) => Cell::Json(other.clone()),
        (ColumnType::Policy, Value::String(s)) => Cell::Json(policy::canonical(&policy::document(s))),
        (ColumnType::Policy, other) => Cell::Json(policy::canonical(other)),
        (ColumnType::Tags, tags) => Cell::Json(tag_object(tags)),
        (ColumnType::Akas, arn) => Cell::Json(Value::Array(vec![arn.clone()])),
        _ => Cell::Null,
    }
}

/// A tags member as Steampipe's `tags`: an object of key -> value, whether the API
/// returns a map or a list of `{Key, Value}` pairs.
fn tag_object(value: &Value) -> Value {
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
struct ArnTemplate(Vec<ArnPart>);

enum ArnPart {
    Literal(String),
    Partition,
    Region,
    AccountId,
    /// A member path, and whether only its last `/` segment is wanted.
    Member(Vec<String>, bool),
}

impl ArnTemplate {
    /// None when `text` is a member path rather than a template.
    fn parse(text: &str) -> Option<ArnTemplate> {
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

    fn members(&self) -> impl Iterator<Item = String> + '_ {
        self.0.iter().filter_map(|part| match part {
            ArnPart::Member(path, _) => Some(path.join(".")),
            _ => None,
        })
    }

    /// The ARN of one row; None when the row lacks a member it is built from.
    fn render(&self, row: &Value, target: &crate::context::Target) -> Option<String> {
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

/// The most values one EC2 filter takes.
const EC2_FILTER_VALUES: usize = 200;

/// Each request once per value of `member`.
fn fan_out(requests: Vec<Map<String, Value>>, member: &str, values: &[Value]) -> Vec<Map<String, Value>> {
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
struct Lister {
    service: Service,
    operation: String,
    request: Map<String, Value>,
    each: BTreeMap<String, Vec<Value>>,
    only: Map<String, Value>,
    missing: Vec<String>,
    missing_item: Option<Value>,
    items: Vec<String>,
    item: Option<String>,
    input_token: Vec<String>,
    output_token: Vec<String>,
    /// The page-size member and its bounds.
    limit: Option<(String, usize, usize)>,
    /// (column, where its values go, whether the API answers it exactly)
    keys: Vec<(String, KeyTarget, bool)>,
    parent: Option<Arc<Parent>>,
}

/// The list a table's list is called under, once per item.
struct Parent {
    lister: Arc<Lister>,
    /// Request member -> the parent item member its value comes from.
    input: BTreeMap<String, String>,
    /// Parent item members copied into each row.
    keep: Vec<String>,
}

/// Where a key column's values go in the list request.
#[derive(Debug, Clone)]
enum KeyTarget {
    /// A request member; `many` when it takes a list of values.
    Member { name: String, many: bool },
    /// An EC2 filter: the request's filter member and the filter's name.
    Filter { member: String, name: String },
}

impl Lister {
    fn pages(self: Arc<Self>, scan: ScanContext) -> Pages<Value> {
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
    fn requests(&self, scan: &ScanContext) -> Vec<Map<String, Value>> {
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

    fn paged(self: Arc<Self>, scan: ScanContext, request: Map<String, Value>) -> Pages<Value> {
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
                // A service answering with the token it was sent has no more pages: stop
                // rather than ask for the same page forever.
                let next = lister
                    .output_token
                    .first()
                    .and_then(|path| {
                        let steps: Vec<String> = path.split('.').map(str::to_string).collect();
                        lookup(&output, &steps)?.as_str().map(str::to_string)
                    })
                    .filter(|next| Some(next) != token.as_ref());
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

impl HydrateSpec {
    /// Whether the row already has every input this call takes from it.
    fn gave(&self, row: &Value) -> bool {
        self.input_members().into_iter().all(|from| lookup(row, &[from]).is_some())
    }

    /// The row members the request is built from (an ARN template's included).
    fn input_members(&self) -> Vec<String> {
        let members = self.input.values().flat_map(|from| match ArnTemplate::parse(from) {
            Some(template) => template.members().collect(),
            None => vec![basename(from).0.to_string()],
        });
        members.collect()
    }

    /// Fills a row with what the hydrate call returns for it.
    async fn run(&self, service: Service, scan: &ScanContext, mut row: Value) -> Result<Value, FetchError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_become_steampipe_column_names() {
        for (member, column) in [
            ("DBInstanceIdentifier", "db_instance_identifier"),
            ("logGroupArn", "log_group_arn"),
            ("KMSKeyId", "kms_key_id"),
            ("TopicArn", "topic_arn"),
            ("ARN", "arn"),
            ("retentionInDays", "retention_in_days"),
            ("S3BucketName", "s3_bucket_name"),
            ("NotificationARNs", "notification_arns"),
            ("VpcIds", "vpc_ids"),
        ] {
            assert_eq!(snake_case(member), column, "{member}");
        }
    }

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

    /// A one-shot HTTP server answering `responses` in turn (status, JSON body), one per
    /// connection, and handing back the request bodies it received.
    fn serve(responses: Vec<(u16, &'static str)>) -> (String, std::thread::JoinHandle<Vec<String>>) {
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

    #[tokio::test]
    async fn lists_follow_the_paginator_and_retry_throttled_pages() {
        use futures::TryStreamExt;

        use crate::context::Quals;
        use crate::context::testing;
        use crate::table::{Request, ScanEvent};

        let (endpoint, server) = serve(vec![
            (200, r#"{"logGroups": [{"logGroupName": "a", "creationTime": 1700000000000}], "nextToken": "t2"}"#),
            (400, r#"{"__type": "ThrottlingException", "message": "Rate exceeded"}"#),
            (200, r#"{"logGroups": [{"logGroupName": "b"}]}"#),
        ]);
        let target = testing::target("aws", "us-east-1", Some(&endpoint), None);
        let table = tables().into_iter().find(|t| t.name == "aws_cloudwatch_log_group").unwrap();
        let name = table.columns.iter().position(|c| c.name == "name").unwrap();
        let scan = ScanContext { target: Arc::new(target), quals: Arc::new(Quals::default()), limit: None };
        let events: Vec<ScanEvent> =
            table.fetch(scan, Request { projection: vec![name], limit: None }).try_collect().await.unwrap();
        let names: Vec<String> = events
            .iter()
            .flat_map(|event| match event {
                ScanEvent::Batch(batch) => {
                    let column = batch.column(0).as_any().downcast_ref::<arrow::array::StringArray>().unwrap();
                    column.iter().map(|v| v.unwrap().to_string()).collect()
                }
                ScanEvent::HydrateFailed { .. } => Vec::new(),
            })
            .collect();
        assert_eq!(names, ["a", "b"]);
        let bodies = server.join().unwrap();
        assert_eq!(bodies.len(), 3, "the throttled page was asked again: {bodies:?}");
        assert!(!bodies[0].contains("nextToken"), "{}", bodies[0]);
        assert!(bodies[1..].iter().all(|b| b.contains(r#""nextToken":"t2""#)), "{bodies:?}");
        assert!(bodies.iter().all(|b| b.contains(r#""limit":50"#)), "the page size the model allows: {bodies:?}");
    }
}
