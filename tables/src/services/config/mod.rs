//! AWS Config recorders.

tables! {
    aws_config_configuration_recorder,
}
