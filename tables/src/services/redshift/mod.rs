//! Redshift clusters.

tables! {
    aws_redshift_cluster,
}
