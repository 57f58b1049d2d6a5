use aws_sdk_iam::types::{AssignmentStatusType, VirtualMfaDevice};
use serde_json::json;

use crate::def::akas;
use crate::json::{tag_list, tag_map, time};
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::pages::{Pages, paginate};
use crate::schema::{Call, Kind::*, Scope};
use crate::table::Table;

pub fn table() -> Table {
    Def::new(
        "aws_iam_virtual_mfa_device",
        "Virtual MFA devices, assigned or not. The root user's device has a user ARN ending in :root.",
        Scope::Global,
        Call::new("iam", "ListVirtualMFADevices"),
        list,
    )
    .key("assignment_status", false, "ListVirtualMFADevices AssignmentStatus")
    .example("SELECT account_id, serial_number FROM aws_iam_virtual_mfa_device WHERE user ->> 'Arn' LIKE '%:root'")
    .column("serial_number", Text, "The device's serial number, an ARN.", |d, _| d.serial_number().into())
    .column("enable_date", Timestamp, "When the device was enabled.", |d, _| d.enable_date().into())
    .column("assignment_status", Text, "Assigned or Unassigned.", |d, _| {
        if d.user().is_some() { "Assigned" } else { "Unassigned" }.into()
    })
    .column("user_id", Text, "The ID of the user it is assigned to.", |d, _| d.user().map(|u| u.user_id()).into())
    .column("user_name", Text, "The name of the user it is assigned to.", |d, _| {
        d.user().map(|u| u.user_name()).into()
    })
    .column("user", Json, "The user it is assigned to: {UserName, UserId, Arn, CreateDate}.", |d, _| {
        d.user()
            .map(|u| {
                json!({"UserName": u.user_name(), "UserId": u.user_id(), "Arn": u.arn(), "CreateDate": time(Some(u.create_date()))})
            })
            .into()
    })
    .column("tags", Json, "The tags, as an object of key -> value.", |d, _| {
        tag_map(d.tags(), |t| (t.key(), Some(t.value()))).into()
    })
    .column("tags_src", Json, "The tags as AWS returns them: [{Key, Value}].", |d, _| {
        tag_list(d.tags(), |t| (t.key(), Some(t.value()))).into()
    })
    .column("title", Text, "The device's serial number.", |d, _| d.serial_number().into())
    .column("akas", Json, "The serial number (an ARN), as a one-element JSON array.", |d, _| {
        akas(d.serial_number().into())
    })
    .build()
}

fn list(scan: ScanContext) -> Pages<VirtualMfaDevice> {
    let iam = client!(aws_sdk_iam, scan);
    let status = match scan.qual("assignment_status") {
        Some([one]) => AssignmentStatusType::from(one.as_str()),
        _ => AssignmentStatusType::Any,
    };
    let page_size = scan.page_size(1, 1000);
    paginate(move |marker| {
        let request =
            iam.list_virtual_mfa_devices().assignment_status(status.clone()).max_items(page_size).set_marker(marker);
        async move {
            let out = request.send().await?;
            let next = out.is_truncated.then(|| out.marker().map(str::to_string)).flatten();
            Ok((out.virtual_mfa_devices, next))
        }
    })
}
