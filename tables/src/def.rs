//! The builder a table file declares its table with: columns and their getters, key
//! columns, hydrate calls, and how rows find their region.

use std::sync::Arc;

use arrow::datatypes::Schema;
use futures::future::BoxFuture;

use crate::cell::Cell;
use crate::context::{ScanContext, Target};
use crate::error::FetchError;
use crate::pages::Pages;
use crate::schema::{COMMON_COLUMNS, Calls, ColumnInfo, HydrateInfo, KeyColumn, Kind, Scope};
use crate::table::Table;

type Getter<T> = Box<dyn for<'a> Fn(&'a T, &'a Target) -> Cell<'a> + Send + Sync>;
pub(crate) type ListFn<T> = Box<dyn Fn(ScanContext) -> Pages<T> + Send + Sync>;
pub(crate) type HydrateFn<T> = Arc<dyn Fn(ScanContext, T) -> BoxFuture<'static, Result<T, FetchError>> + Send + Sync>;

pub(crate) struct Column<T> {
    pub(crate) info: ColumnInfo,
    pub(crate) get: Getter<T>,
}

pub(crate) struct Hydrate<T> {
    pub(crate) info: HydrateInfo,
    pub(crate) run: HydrateFn<T>,
}

/// The typed definition of one table over the item type `T` its API lists.
pub struct Def<T> {
    pub(crate) name: &'static str,
    description: &'static str,
    service: &'static str,
    pub(crate) scope: Scope,
    list_calls: Calls,
    pub(crate) list: ListFn<T>,
    pub(crate) columns: Vec<Column<T>>,
    key_columns: Vec<KeyColumn>,
    pub(crate) hydrates: Vec<Hydrate<T>>,
    example: &'static str,
    pub(crate) row_region: Option<fn(&T) -> Option<&str>>,
    untagged: bool,
    /// Steampipe's standard columns a table gets without declaring them, after its own.
    derived: Vec<Derived>,
}

/// A standard column derived from the table's own.
enum Derived {
    /// `akas` from the `arn` column at this index.
    AkasOf(usize),
    /// `tags` of a resource type AWS cannot tag: always null.
    NoTags,
}

impl<T: Clone + Send + Sync + 'static> Def<T> {
    /// `list_calls` are the calls the list makes; the first names the table's service.
    pub fn new(
        name: &'static str,
        description: &'static str,
        scope: Scope,
        list_calls: impl Into<Calls>,
        list: impl Fn(ScanContext) -> Pages<T> + Send + Sync + 'static,
    ) -> Self {
        let list_calls = list_calls.into();
        let service = list_calls.first().service;
        Def {
            name,
            description,
            service,
            scope,
            list_calls,
            list: Box::new(list),
            columns: Vec::new(),
            key_columns: Vec::new(),
            hydrates: Vec::new(),
            example: "",
            row_region: None,
            untagged: false,
            derived: Vec::new(),
        }
    }

    pub fn column<F>(mut self, name: &'static str, kind: Kind, description: &'static str, get: F) -> Self
    where
        F: for<'a> Fn(&'a T, &'a Target) -> Cell<'a> + Send + Sync + 'static,
    {
        let info = ColumnInfo { name, kind, description };
        self.columns.push(Column { info, get: Box::new(get) });
        self
    }

    pub fn key(mut self, column: &'static str, exact: bool, api: &'static str) -> Self {
        self.key_columns.push(KeyColumn { column, exact, api });
        self
    }

    /// Several key columns answered the same way, as (column, API parameter) pairs.
    pub fn keys(self, exact: bool, keys: &[(&'static str, &'static str)]) -> Self {
        keys.iter().fold(self, |def, (column, api)| def.key(column, exact, api))
    }

    /// A per-row call that fills `columns`; it runs only when one of them is needed.
    pub fn hydrate(
        mut self,
        calls: impl Into<Calls>,
        columns: &[&'static str],
        run: impl Fn(ScanContext, T) -> BoxFuture<'static, Result<T, FetchError>> + Send + Sync + 'static,
    ) -> Self {
        let info = HydrateInfo { calls: calls.into(), columns: columns.to_vec() };
        self.hydrates.push(Hydrate { info, run: Arc::new(run) });
        self
    }

    /// For `Scope::GlobalWithRegionColumn`: where a row lives.
    pub fn row_region(mut self, region: fn(&T) -> Option<&str>) -> Self {
        self.row_region = Some(region);
        self
    }

    /// The resource type has no tags: its `tags` column is null.
    pub fn untagged(mut self) -> Self {
        self.untagged = true;
        self
    }

    pub fn example(mut self, sql: &'static str) -> Self {
        self.example = sql;
        self
    }

    pub fn build(mut self) -> Table {
        let declared = |name: &str| self.columns.iter().position(|c| c.info.name == name);
        if let (None, Some(arn)) = (declared("akas"), declared("arn")) {
            self.derived.push(Derived::AkasOf(arn));
            // Whatever call fills the ARN fills its akas.
            for hydrate in self.hydrates.iter_mut().filter(|h| h.info.columns.contains(&"arn")) {
                hydrate.info.columns.push("akas");
            }
        }
        if self.untagged && declared("tags").is_none() {
            self.derived.push(Derived::NoTags);
        }
        let mut columns: Vec<ColumnInfo> = self.columns.iter().map(|c| c.info.clone()).collect();
        columns.extend(self.derived.iter().map(Derived::info));
        columns.extend(COMMON_COLUMNS.iter().cloned());
        let schema = Arc::new(Schema::new(columns.iter().map(ColumnInfo::field).collect::<Vec<_>>()));
        Table {
            name: self.name,
            description: self.description,
            service: self.service,
            scope: self.scope,
            list_calls: self.list_calls.clone(),
            example: self.example,
            columns,
            key_columns: self.key_columns.clone(),
            hydrates: self.hydrates.iter().map(|h| h.info.clone()).collect(),
            schema,
            fetcher: Arc::new(self),
        }
    }
}

impl<T> Def<T> {
    pub(crate) fn column_info(&self, index: usize) -> ColumnInfo {
        match self.columns.get(index) {
            Some(c) => c.info.clone(),
            None => match self.derived.get(index - self.columns.len()) {
                Some(derived) => derived.info(),
                None => COMMON_COLUMNS[index - self.columns.len() - self.derived.len()].clone(),
            },
        }
    }

    /// The cell of the column at `index` (own, derived or common) for one row.
    pub(crate) fn cell<'a>(&self, index: usize, row: &'a T, target: &'a Target) -> Cell<'a> {
        if let Some(column) = self.columns.get(index) {
            return (column.get)(row, target);
        }
        let index = index - self.columns.len();
        match self.derived.get(index) {
            Some(Derived::AkasOf(arn)) => return akas((self.columns[*arn].get)(row, target)),
            Some(Derived::NoTags) => return Cell::Null,
            None => {}
        }
        match COMMON_COLUMNS[index - self.derived.len()].name {
            "partition" => target.partition.as_str().into(),
            "account_id" => target.account_id.as_str().into(),
            "_ctx" => Cell::Json(serde_json::json!({ "connection_name": target.account_id })),
            _ => match (self.scope, self.row_region) {
                (Scope::Global, _) => "global".into(),
                (Scope::GlobalWithRegionColumn, Some(region_of)) => region_of(row).into(),
                _ => target.region.as_str().into(),
            },
        }
    }
}

impl Derived {
    fn info(&self) -> ColumnInfo {
        match self {
            Derived::AkasOf(_) => ColumnInfo {
                name: "akas",
                kind: Kind::Json,
                description: "The resource's ARN, as a one-element JSON array.",
            },
            Derived::NoTags => ColumnInfo {
                name: "tags",
                kind: Kind::Json,
                description: "Always null: the resource has no tags of its own.",
            },
        }
    }
}

/// Steampipe's `akas` of a resource: its ARN in a one-element JSON array.
pub(crate) fn akas(arn: Cell<'_>) -> Cell<'static> {
    match arn {
        Cell::Text(arn) => Cell::Json(serde_json::Value::Array(vec![arn.into_owned().into()])),
        _ => Cell::Null,
    }
}
