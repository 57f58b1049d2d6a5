//! Lambda functions.

tables! {
    aws_lambda_function,
}
