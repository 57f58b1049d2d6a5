//! Scanning a declared table in one target: pages listed until the limit is met, rows
//! outside the regions in scope dropped, hydrate calls made for the projected columns,
//! each page built into a record batch as it arrives.

use std::sync::Arc;

use arrow::array::ArrayRef;
use arrow::datatypes::{Schema, SchemaRef};
use arrow::record_batch::{RecordBatch, RecordBatchOptions};
use futures::FutureExt;
use futures::stream::{self, StreamExt, TryStreamExt};

use crate::batch::build_array;
use crate::context::{ScanContext, Target};
use crate::def::{Def, HydrateFn};
use crate::error::FetchError;
use crate::schema::hydrates_needed;
use crate::table::{Events, Fetch, Request, ScanEvent};

/// Per-row hydrate calls in flight for one target.
const HYDRATE_CONCURRENCY: usize = 8;

impl<T: Clone + Send + Sync + 'static> Fetch for Def<T> {
    fn fetch(self: Arc<Self>, scan: ScanContext, request: Request) -> Events {
        let schema =
            Arc::new(Schema::new(request.projection.iter().map(|&i| self.column_info(i).field()).collect::<Vec<_>>()));
        let projected: Vec<&str> = request.projection.iter().map(|&i| self.column_info(i).name).collect();
        let hydrates: Vec<(usize, HydrateFn<T>)> = hydrates_needed(self.hydrates.iter().map(|h| &h.info), &projected)
            .into_iter()
            .map(|i| (i, self.hydrates[i].run.clone()))
            .collect();
        let in_scope = scan.target.row_regions.clone();
        let region_of = self.row_region;
        let target = scan.target.clone();
        let hydrate_scan = scan.clone();
        let limit = request.limit.unwrap_or(usize::MAX);
        // The remaining count is checked before asking for the next page, so a met LIMIT
        // never costs another page call; dropping `list` abandons the rest.
        let pages = stream::unfold(((self.list)(scan), limit), move |(mut list, remaining)| {
            let in_scope = in_scope.clone();
            async move {
                if remaining == 0 {
                    return None;
                }
                let page = list.next().await?.map(|mut page| {
                    if let (Some(region_of), Some(allowed)) = (region_of, &in_scope) {
                        page.retain(|row| region_of(row).is_some_and(|r| allowed.iter().any(|a| a == r)));
                    }
                    page.truncate(remaining);
                    page
                });
                let left = page.as_ref().map_or(0, |p| remaining - p.len());
                Some((page, (list, left)))
            }
        });
        pages
            .try_filter(|page| futures::future::ready(!page.is_empty()))
            .and_then(move |page| hydrate_page(page, hydrates.clone(), hydrate_scan.clone()).map(Ok))
            .map_ok(move |(rows, failed)| {
                // A page's failed hydrate calls come before its batch.
                let failed = failed.into_iter().map(|(hydrate, error)| Ok(ScanEvent::HydrateFailed { hydrate, error }));
                let batch = self.batch(&rows, &target, &request.projection, schema.clone()).map(ScanEvent::Batch);
                stream::iter(failed.chain([batch]))
            })
            .try_flatten()
            .boxed()
    }
}

/// Hydrates every row of a page. A failed hydrate call leaves its columns null in that row
/// and is returned beside the rows, so one denied Get* costs its columns, not the rows.
async fn hydrate_page<T: Clone + Send + 'static>(
    page: Vec<T>,
    hydrates: Vec<(usize, HydrateFn<T>)>,
    scan: ScanContext,
) -> (Vec<T>, Vec<(usize, FetchError)>) {
    if hydrates.is_empty() {
        return (page, Vec::new());
    }
    let hydrated: Vec<(T, Vec<(usize, FetchError)>)> = stream::iter(page)
        .map(|row| {
            let (hydrates, scan) = (hydrates.clone(), scan.clone());
            async move {
                let mut row = row;
                let mut failed = Vec::new();
                for (index, run) in hydrates {
                    match run(scan.clone(), row.clone()).await {
                        Ok(hydrated) => row = hydrated,
                        Err(error) => failed.push((index, error)),
                    }
                }
                (row, failed)
            }
        })
        .buffered(HYDRATE_CONCURRENCY)
        .collect()
        .await;
    let (rows, failed): (Vec<T>, Vec<_>) = hydrated.into_iter().unzip();
    (rows, failed.into_iter().flatten().collect())
}

impl<T> Def<T> {
    fn batch(
        &self,
        rows: &[T],
        target: &Target,
        projection: &[usize],
        schema: SchemaRef,
    ) -> Result<RecordBatch, FetchError> {
        let arrays = projection
            .iter()
            .map(|&index| {
                let info = self.column_info(index);
                build_array(info.name, info.kind, rows.iter().map(|row| self.cell(index, row, target)))
            })
            .collect::<Result<Vec<ArrayRef>, FetchError>>()?;
        let options = RecordBatchOptions::new().with_row_count(Some(rows.len()));
        RecordBatch::try_new_with_options(schema, arrays, &options)
            .map_err(|e| FetchError::internal(format!("{}: {e}", self.name)))
    }
}
