//! S3 buckets, with their per-bucket settings.

tables! {
    aws_s3_bucket,
}
