//! Declarative tables: a TOML file per table (`tables/specs/<service>/<table>.toml`)
//! naming its list operation, key columns, hydrate calls and column overrides, read
//! against the service model. Every other column comes from the model: each member of
//! the listed item (and of what a hydrate returns) is a column named in snake_case, typed
//! by its shape. Rows are the items as JSON values, scanned by the same [`Def`] as the
//! Rust tables.

use std::sync::{Arc, OnceLock};

use futures::FutureExt;
use serde_json::Value;

use crate::cell::Cell;
use crate::def::Def;
use crate::generic::Service;
use crate::model::{Model, SPECS, ShapeKind, ShapeRef};
use crate::schema::{Call, Kind, Scope};
use crate::table::Table;

mod format;
mod hydrate;
mod lister;
mod value;

use format::{ColumnSpec, ColumnType, HydratePages, HydrateSpec, Spec, SpecScope, TagsSpec};
use lister::{KeyTarget, Lister, Parent, lister};
use value::{ArnTemplate, basename, cell, last_segment, lookup};

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
        hydrate.pages = model.paginators.get(&hydrate.operation).and_then(|paginator| {
            Some(HydratePages {
                input_token: paginator.input_token.first()?.clone(),
                output_token: paginator.output_token.first()?.clone(),
                result_keys: paginator.result_key.clone(),
            })
        });
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
    let template = |text: Option<&String>| -> Result<Option<ArnTemplate>, String> {
        let Some(template) = text.and_then(|text| ArnTemplate::parse(text)) else { return Ok(None) };
        for member in template.members() {
            if row_member(&member)?.0.is_some() {
                return Err(format!("the template's {member} is not a listed member"));
            }
        }
        Ok(Some(template))
    };
    let mut built: Vec<(&'static str, &'static str, ArnTemplate)> = Vec::new();
    for (name, column) in &spec.columns {
        let (from, read, description) = match column {
            ColumnSpec::Path(from) => (from, None, None),
            ColumnSpec::Full { from, kind, description } => (from, *kind, description.clone()),
        };
        if let Some(template) = template(Some(from))? {
            if read.is_some() {
                return Err(format!("column {name}: a template builds text, it takes no type"));
            }
            let description =
                description.unwrap_or_else(|| format!("The {name}, built from the resource's identifiers."));
            built.push((leak(name.clone()), leak(description), template));
            continue;
        }
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

    let signing_name = model.metadata.signing_name();
    let list_call = Call::new(signing_name, leak(spec.list.clone()));
    let list_calls = match &spec.parent {
        Some(parent) => Call::new(signing_name, leak(parent.list.clone())).note("(per item:)").then(list_call),
        None => list_call.into(),
    };
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
        Def::new(leak(spec.table), leak(spec.description), scope, list_calls, move |scan| lister.clone().pages(scan))
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
        let call = Call::new(signing_name, leak(hydrate.operation.clone()));
        let first: Vec<Arc<HydrateSpec>> = prerequisites[index].iter().map(|&i| hydrates[i].clone()).collect();
        let hydrate = hydrate.clone();
        def = def.hydrate(call, &filled, move |scan, row| {
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
    for (name, description, template) in built {
        def = def.column(name, Kind::Text, description, move |row, target| {
            template.render(row, target).map_or(Cell::Null, Cell::from)
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
}
