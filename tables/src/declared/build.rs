//! A resolved declared table, built: its list, key columns, hydrate calls and column
//! getters on the same [`Def`] as the Rust tables.

use std::sync::Arc;

use futures::FutureExt;
use serde_json::Value;

use super::format::{HydrateDecl, Read};
use super::resolve::{Resolved, Source};
use super::value::{cell, last_segment, lookup};
use crate::cell::Cell;
use crate::def::Def;
use crate::table::Table;

pub(super) fn build(resolved: Resolved) -> Table {
    let Resolved { name, description, example, scope, service, list_calls, lister, columns, keys, hydrates, untagged } =
        resolved;
    let lister = Arc::new(lister);
    let mut def =
        Def::new(name, description, scope, list_calls, move |scan| lister.clone().pages(scan)).example(example);
    for (column, exact, api) in keys {
        def = def.key(column, exact, api);
    }
    let calls: Vec<Arc<HydrateDecl>> = hydrates.iter().map(|h| h.decl.clone()).collect();
    for (index, hydrate) in hydrates.iter().enumerate() {
        let filled: Vec<&'static str> = columns.iter().filter(|c| c.hydrate == Some(index)).map(|c| c.name).collect();
        let first: Vec<Arc<HydrateDecl>> = hydrate.first.iter().map(|&i| calls[i].clone()).collect();
        let this = calls[index].clone();
        def = def.hydrate(hydrate.call, &filled, move |scan, row| {
            let (this, first) = (this.clone(), first.clone());
            async move {
                let mut row = row;
                for earlier in &first {
                    if this.gave(&row) {
                        break;
                    }
                    row = earlier.run(service, &scan, row).await?;
                }
                this.run(service, &scan, row).await
            }
            .boxed()
        });
    }
    for column in columns {
        let (source, read) = (column.source, column.read);
        def = def.column(column.name, read.kind(), column.description, move |row, target| match &source {
            Source::Member { path, basename: true } => match lookup(row, path) {
                Some(Value::String(id)) => Cell::from(last_segment(id)),
                value => cell(value, read),
            },
            Source::Member { path, basename: false } => cell(lookup(row, path), read),
            Source::Template(template) => match (template.render(row, target), read) {
                (None, _) => Cell::Null,
                (Some(arn), Read::Akas) => Cell::Json(Value::Array(vec![arn.into()])),
                (Some(text), _) => Cell::from(text),
            },
        });
    }
    if untagged {
        def = def.untagged();
    }
    def.build()
}
