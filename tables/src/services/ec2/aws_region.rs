use aws_sdk_ec2::types::Region;
use crate::def::akas;
use crate::cell::text;
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::pages::{Pages, single_page};
use crate::schema::{Call, Kind::*, Scope};
use crate::table::Table;


pub fn table() -> Table {
    Def::new(
        "aws_region",
        "The AWS regions in scope for each account, with their opt-in status.",
        Scope::GlobalWithRegionColumn,
        Call::new("ec2", "DescribeRegions"),
        list,
    )
    .row_region(|r| r.region_name())
    .example("SELECT account_id, name, opt_in_status FROM aws_region ORDER BY account_id, name")
    .column("name", Text, "The region code, e.g. us-east-1.", |r, _| r.region_name().into())
    .column("opt_in_status", Text, "opt-in-not-required, opted-in or not-opted-in.", |r, _| r.opt_in_status().into())
    .column("endpoint", Text, "The EC2 endpoint of the region.", |r, _| r.endpoint().into())
    .column("steampipe_available", Bool, "Whether the region is among those the query targets.", |r, t| {
        let wanted = |name: &str| t.row_regions.as_ref().is_none_or(|regions| regions.iter().any(|r| r == name));
        r.region_name().map(wanted).into()
    })
    .column("title", Text, "The region code.", |r, _| text(r.region_name()))
    .column("akas", Json, "The region's ARN-style identifier, as a one-element JSON array.", |r, t| {
        akas(r.region_name().map(|name| format!("arn:{}::{name}:{}", t.partition, t.account_id)).into())
    })
    .untagged()
    .build()
}

/// Every region of the partition, with the account's opt-in status; account discovery
/// uses it too.
pub(crate) fn list(scan: ScanContext) -> Pages<Region> {
    let ec2 = client!(aws_sdk_ec2, scan);
    single_page(async move {
        let out = ec2.describe_regions().all_regions(true).send().await?;
        Ok(out.regions.unwrap_or_default())
    })
}
