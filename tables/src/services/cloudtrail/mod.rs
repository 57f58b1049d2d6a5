//! CloudTrail trails.

tables! {
    aws_cloudtrail_trail,
}
