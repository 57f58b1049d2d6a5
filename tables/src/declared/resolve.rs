//! A table file read against its service model: every operation, member and column
//! checked and typed, as plain data that [`super::build`] turns into a table.

use std::sync::Arc;

use super::format::{ColumnDecl, HydrateDecl, HydratePages, Read, ScopeDecl, TableDecl, TagsDecl};
use super::lister::{KeyTarget, Lister, Parent, lister};
use super::value::{ArnTemplate, basename};
use super::{leak, snake_case};
use crate::generic::Service;
use crate::model::{Model, ShapeKind, ShapeRef};
use crate::schema::{Call, Calls, Kind, Scope};

/// A declared table, resolved.
pub(super) struct Resolved {
    pub(super) name: &'static str,
    pub(super) description: &'static str,
    pub(super) example: &'static str,
    pub(super) scope: Scope,
    pub(super) service: Service,
    pub(super) list_calls: Calls,
    pub(super) lister: Lister,
    pub(super) columns: Vec<Column>,
    /// (column, whether the API answers exactly, how the value reaches the API)
    pub(super) keys: Vec<(&'static str, bool, &'static str)>,
    pub(super) hydrates: Vec<Hydrate>,
    /// The resource type has no tags.
    pub(super) untagged: bool,
}

pub(super) struct Column {
    pub(super) name: &'static str,
    pub(super) description: &'static str,
    pub(super) read: Read,
    pub(super) source: Source,
    /// The hydrate (by index) that fills it; None for what the list gives.
    pub(super) hydrate: Option<usize>,
}

/// Where a column's value comes from.
pub(super) enum Source {
    /// A member path of the row; `basename`: only the value's last `/` segment.
    Member { path: Vec<String>, basename: bool },
    /// Built from the target and listed members, where the API gives no such value.
    Template(ArnTemplate),
}

pub(super) struct Hydrate {
    pub(super) decl: Arc<HydrateDecl>,
    pub(super) call: Call,
    /// Hydrates (by index) returning an input of this one (DynamoDB's tags need the ARN
    /// DescribeTable gives), made first when the row lacks it.
    pub(super) first: Vec<usize>,
}

pub(super) fn resolve(mut decl: TableDecl) -> Result<Resolved, String> {
    let service = Service::new(leak(decl.service.clone()))?;
    let model = service.model;
    let (items, item) = list_items(model, &decl.list, decl.items.as_deref())?;
    let row_shape = match (&decl.item, model.shape(&item.shape)?.kind) {
        (None, ShapeKind::Structure) => Some(item.shape.clone()),
        (Some(_), _) => None,
        (None, _) => return Err(format!("the items of {items} are not structures: name them with `item`")),
    };
    let parent_item = match &decl.parent {
        Some(parent) => Some(list_items(model, &parent.list, parent.items.as_deref())?.1),
        None => None,
    };
    let hydrate_outputs = hydrate_outputs(model, &mut decl.hydrate)?;
    let mut listed_roots: Vec<String> = match &row_shape {
        Some(shape) => model.shape(shape)?.members.iter().map(|m| m.name.clone()).collect(),
        None => Vec::new(),
    };
    listed_roots.extend(decl.item.clone());
    listed_roots.extend(decl.parent.iter().flat_map(|p| p.keep.iter().cloned()));
    let row = Row { model, decl: &decl, item, row_shape, parent_item, listed_roots, hydrate_outputs };

    let columns = row.columns()?;
    let keys = row.keys(&columns)?;
    let prerequisites = row.hydrate_prerequisites()?;
    let lister = row.lister(service, &items, &keys)?;
    let signing_name = model.metadata.signing_name();
    let list_call = Call::new(signing_name, leak(decl.list.clone()));
    let list_calls = match &decl.parent {
        Some(parent) => Call::new(signing_name, leak(parent.list.clone())).note("(per item:)").then(list_call),
        None => list_call.into(),
    };
    let keys = keys
        .into_iter()
        .map(|(column, target, exact)| {
            let api = match target {
                KeyTarget::Member { name, .. } => format!("{} {name}", decl.list),
                KeyTarget::Filter { member, name } => format!("{} {member} {name}", decl.list),
            };
            (leak(column), exact, leak(api))
        })
        .collect();
    let hydrates = decl
        .hydrate
        .into_iter()
        .zip(prerequisites)
        .map(|(decl, first)| Hydrate {
            call: Call::new(signing_name, leak(decl.operation.clone())),
            decl: Arc::new(decl),
            first,
        })
        .collect();
    Ok(Resolved {
        name: leak(decl.table),
        description: leak(decl.description),
        example: leak(decl.example),
        scope: match decl.scope {
            ScopeDecl::Regional => Scope::Regional,
            ScopeDecl::Global => Scope::Global,
        },
        service,
        list_calls,
        lister,
        columns,
        keys,
        hydrates,
        untagged: matches!(decl.tags, Some(TagsDecl::Taggable(false))),
    })
}

/// Reads each hydrate's operation in the model: which request members take lists, its
/// paginator, and what it merges into the row (the structure and its members).
fn hydrate_outputs(model: &Model, hydrates: &mut [HydrateDecl]) -> Result<Vec<(String, Vec<String>)>, String> {
    let mut outputs = Vec::new();
    for hydrate in hydrates {
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
        let members = model.shape(&merged)?.members.iter().map(|m| m.name.clone()).collect();
        outputs.push((merged, members));
    }
    Ok(outputs)
}

/// What a row of the table holds: the listed item, the parent's kept members, and what
/// each hydrate merges in.
struct Row<'a> {
    model: &'static Model,
    decl: &'a TableDecl,
    /// One listed item's shape.
    item: ShapeRef,
    /// The structure a row is, unless the list gives scalars (`item`).
    row_shape: Option<String>,
    parent_item: Option<ShapeRef>,
    /// The members the list gives (and the parent's kept ones): no hydrate call for them.
    listed_roots: Vec<String>,
    hydrate_outputs: Vec<(String, Vec<String>)>,
}

impl Row<'_> {
    fn columns(&self) -> Result<Vec<Column>, String> {
        let (model, decl) = (self.model, self.decl);
        let mut columns: Vec<Column> = Vec::new();
        let mut add = |column: Column| match columns.iter().position(|c| c.name == column.name) {
            Some(i) => columns[i] = column,
            None => columns.push(column),
        };
        if let Some(member) = &decl.item {
            let description = leak(format!("The {member}."));
            add(self.member_column(member, description, self.item.clone(), None)?);
        }
        if let Some(shape) = &self.row_shape {
            auto_columns(model, shape, &decl.exclude, None)?.into_iter().for_each(&mut add);
            for member in decl.only.keys() {
                model.member_path(shape, member)?;
            }
        }
        for member in decl.parent.iter().flat_map(|p| &p.keep).filter(|m| !decl.exclude.contains(m)) {
            let target = self.kept(member)?.ok_or("unreachable: a kept member")?;
            let description = leak(format!("The {member} of the parent the row was listed under."));
            add(self.member_column(member, description, target, None)?);
        }
        for (index, (shape, _)) in self.hydrate_outputs.iter().enumerate() {
            // What the list already gives stays the list's: no call for a column it fills.
            let columns = auto_columns(model, shape, &decl.exclude, Some(index))?;
            columns.into_iter().filter(|c| !self.listed_roots.contains(&self.root_of(c))).for_each(&mut add);
        }
        let declared = self.declared_columns()?;
        // Built columns come after every member's, so a member column never moves.
        let (members, built): (Vec<Column>, Vec<Column>) =
            declared.into_iter().partition(|c| matches!(c.source, Source::Member { .. }));
        members.into_iter().chain(built).for_each(&mut add);
        Ok(columns)
    }

    /// The columns the file names, then the standard ones it gives a member or template for.
    fn declared_columns(&self) -> Result<Vec<Column>, String> {
        let decl = self.decl;
        let mut declared = Vec::new();
        for (name, column) in &decl.columns {
            let (from, read, description) = match column {
                ColumnDecl::Path(from) => (from, None, None),
                ColumnDecl::Full { from, kind, description } => (from, *kind, description.clone()),
            };
            if read.is_some() && ArnTemplate::parse(from).is_some() {
                return Err(format!("column {name}: a template builds text, it takes no type"));
            }
            declared.push(self.declared(leak(name.clone()), from, read, description)?);
        }
        let tags = match &decl.tags {
            Some(TagsDecl::Member(member)) if ArnTemplate::parse(member).is_some() => {
                return Err("`tags` names the member holding them, not a template".into());
            }
            Some(TagsDecl::Member(member)) => Some(member),
            Some(TagsDecl::Taggable(true)) => return Err("`tags` names the member holding them, or is false".into()),
            Some(TagsDecl::Taggable(false)) | None => None,
        };
        let akas = match decl.arn.as_deref().map(ArnTemplate::parse) {
            Some(Some(_)) => "The resource's ARN (built from its identifiers), as a one-element JSON array.",
            _ => "The resource's ARN, as a one-element JSON array.",
        };
        for (name, from, read, description) in [
            ("title", decl.title.as_ref(), Read::Kind(Kind::Text), "The resource's name."),
            ("akas", decl.arn.as_ref(), Read::Akas, akas),
            ("tags", tags, Read::Tags, "The tags, as an object of key -> value."),
        ] {
            if let Some(from) = from {
                declared.push(self.declared(name, from, Some(read), Some(description.to_string()))?);
            }
        }
        Ok(declared)
    }

    /// A column from a member path (typed by the model unless `read` says) or a template.
    fn declared(
        &self,
        name: &'static str,
        from: &str,
        read: Option<Read>,
        description: Option<String>,
    ) -> Result<Column, String> {
        if let Some(template) = ArnTemplate::parse(from) {
            for member in template.members() {
                if self.member(&member)?.0.is_some() {
                    return Err(format!("the template's {member} is not a listed member"));
                }
            }
            let description =
                description.unwrap_or_else(|| format!("The {name}, built from the resource's identifiers."));
            let read = read.unwrap_or(Read::Kind(Kind::Text));
            return Ok(Column {
                name,
                description: leak(description),
                read,
                source: Source::Template(template),
                hydrate: None,
            });
        }
        let (from, basename) = basename(from);
        let (hydrate, target) = self.member(from)?;
        let read = match read {
            Some(read) => read,
            None => Read::Kind(kind_of(self.model.shape(&target.shape)?.kind)),
        };
        let description = description.unwrap_or_else(|| member_doc(self.model, &self.row_shape, from));
        let path = from.split('.').map(str::to_string).collect();
        Ok(Column { name, description: leak(description), read, source: Source::Member { path, basename }, hydrate })
    }

    /// A column holding a whole member of the row, typed by its shape.
    fn member_column(
        &self,
        member: &str,
        description: &'static str,
        target: ShapeRef,
        hydrate: Option<usize>,
    ) -> Result<Column, String> {
        let read = Read::Kind(kind_of(self.model.shape(&target.shape)?.kind));
        let source = Source::Member { path: vec![member.to_string()], basename: false };
        Ok(Column { name: leak(snake_case(member)), description, read, source, hydrate })
    }

    fn root_of(&self, column: &Column) -> String {
        match &column.source {
            Source::Member { path, .. } => path[0].clone(),
            Source::Template(_) => String::new(),
        }
    }

    /// The shape of a parent item member the row keeps, if `member` is one.
    fn kept(&self, member: &str) -> Result<Option<ShapeRef>, String> {
        let (Some(parent), Some(item)) = (&self.decl.parent, &self.parent_item) else { return Ok(None) };
        if !parent.keep.iter().any(|k| k == member) {
            return Ok(None);
        }
        if parent.item.as_deref() == Some(member) {
            return Ok(Some(item.clone()));
        }
        Ok(Some(self.model.member_path(&item.shape, member)?.1))
    }

    /// The shape at a member path of the row, and the hydrate (by index) that gives it.
    fn member(&self, path: &str) -> Result<(Option<usize>, ShapeRef), String> {
        let model = self.model;
        let root = path.split('.').next().unwrap_or(path);
        if let Some(target) = self.kept(root)? {
            return match path.split_once('.') {
                Some((_, rest)) => Ok((None, model.member_path(&target.shape, rest)?.1)),
                None => Ok((None, target)),
            };
        }
        if self.decl.item.as_deref() == Some(path) {
            return Ok((None, self.item.clone()));
        }
        let listed = self.listed_roots.iter().any(|r| r == root);
        let from_hydrate = self.hydrate_outputs.iter().position(|(_, members)| members.iter().any(|m| m == root));
        if let Some(index) = from_hydrate.filter(|_| !listed) {
            return Ok((Some(index), model.member_path(&self.hydrate_outputs[index].0, path)?.1));
        }
        match &self.row_shape {
            Some(shape) => Ok((None, model.member_path(shape, path)?.1)),
            None => Err(format!("no member {path} in the item or a hydrate's output")),
        }
    }

    /// The key columns: where each one's values go in the list request.
    fn keys(&self, columns: &[Column]) -> Result<Vec<(String, KeyTarget, bool)>, String> {
        let (model, decl) = (self.model, self.decl);
        let input = model.operation(&decl.list)?.input.as_ref().map(|i| i.shape.clone());
        let mut keys = Vec::new();
        for (column, key) in &decl.keys {
            let input = input.as_deref().ok_or("the list operation takes no input")?;
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
                    let member = member.ok_or(format!("{} takes no Filters", decl.list))?;
                    KeyTarget::Filter { member: member.to_string(), name: filter.clone() }
                }
                (None, Some(_)) => {
                    return Err(format!("key column {column}: EC2 filters match wildcards, never exactly"));
                }
                _ => return Err(format!("key column {column} names one `member` or one `filter`")),
            };
            keys.push((column.clone(), target, key.exact));
        }
        Ok(keys)
    }

    /// For each hydrate, the earlier hydrates giving an input the list does not.
    fn hydrate_prerequisites(&self) -> Result<Vec<Vec<usize>>, String> {
        let prerequisites = |hydrate: &HydrateDecl| {
            let roots =
                hydrate.input_members().into_iter().map(|from| from.split('.').next().unwrap_or(&from).to_string());
            let from_hydrates = roots.filter(|root| !self.listed_roots.contains(root)).map(|root| {
                let earlier = self.hydrate_outputs.iter().position(|(_, members)| members.contains(&root));
                earlier.ok_or(format!("{}: no listed member or earlier hydrate gives {root}", hydrate.operation))
            });
            from_hydrates.collect::<Result<Vec<usize>, String>>()
        };
        self.decl.hydrate.iter().map(prerequisites).collect()
    }

    fn lister(&self, service: Service, items: &str, keys: &[(String, KeyTarget, bool)]) -> Result<Lister, String> {
        let (model, decl) = (self.model, self.decl);
        let parent = match &decl.parent {
            Some(parent) => {
                let (items, _) = list_items(model, &parent.list, parent.items.as_deref())?;
                let operation = model.operation(&decl.list)?;
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
        let list = model.operation(&decl.list)?;
        let input = list.input.as_ref().map(|i| i.shape.as_str()).unwrap_or_default();
        for member in decl.request.keys().chain(decl.each.keys()) {
            model.member_path(input, member)?;
        }
        if decl.missing_item.is_some() && !decl.keys.is_empty() {
            return Err(
                "`missing_item` stands for a whole list's answer: a table with key columns cannot have one".into()
            );
        }
        let templated = decl.request.values().filter_map(|v| v.as_str().and_then(ArnTemplate::parse));
        if let Some(member) = templated.flat_map(|t| t.members().collect::<Vec<_>>()).next() {
            return Err(format!("a list request is built from the target only, not from {member}"));
        }
        let mut lister = Lister {
            request: decl.request.clone(),
            each: decl.each.clone(),
            only: decl.only.clone(),
            missing: decl.missing.clone(),
            missing_item: decl.missing_item.clone(),
            keys: keys.to_vec(),
            parent,
            ..lister(service, &decl.list, items, decl.item.clone())
        };
        if let (Some((min, max)), Some(limit)) = (decl.page_size, lister.limit.as_mut()) {
            (limit.1, limit.2) = (min, max);
        }
        Ok(lister)
    }
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
        let read = Read::Kind(kind_of(model.shape(&member.target.shape)?.kind));
        let description = leak(member.doc.clone().unwrap_or_else(|| format!("The {}.", member.name)));
        let source = Source::Member { path: vec![member.name.clone()], basename: false };
        columns.push(Column { name: leak(snake_case(&member.name)), description, read, source, hydrate });
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

fn kind_of(shape: ShapeKind) -> Kind {
    match shape {
        ShapeKind::String | ShapeKind::Blob => Kind::Text,
        ShapeKind::Integer | ShapeKind::Long => Kind::Int,
        ShapeKind::Float | ShapeKind::Double => Kind::Float,
        ShapeKind::Boolean => Kind::Bool,
        ShapeKind::Timestamp => Kind::Timestamp,
        ShapeKind::Structure | ShapeKind::List | ShapeKind::Map => Kind::Json,
    }
}
