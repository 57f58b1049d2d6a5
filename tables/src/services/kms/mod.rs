//! KMS keys.

tables! {
    aws_kms_key,
}
