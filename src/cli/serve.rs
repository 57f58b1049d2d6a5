//! `cove serve`: the options of the Postgres endpoint, from flags, environment and config.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::serve::{self, DEFAULT_LISTEN};
use crate::settings::{Settings, TargetArgs};

/// The password's environment variable: a flag would land in shell history.
const PASSWORD_VARIABLE: &str = "COVE_SERVE_PASSWORD";

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:5433; port 0 picks a free one). An address
    /// other than loopback requires a password: COVE_SERVE_PASSWORD or [serve] password
    #[arg(long, value_name = "HOST:PORT")]
    listen: Option<String>,
    /// TLS certificate chain (PEM); with --tls-key, clients may connect with TLS (and must,
    /// on an address other than loopback)
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM)
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

pub async fn serve(targets: &TargetArgs, args: ServeArgs) -> Result<ExitCode, String> {
    let settings = Settings::resolve(targets)?;
    let config = settings.serve.clone();
    let password = match std::env::var(PASSWORD_VARIABLE).ok() {
        Some(password) if password.is_empty() => return Err(format!("{PASSWORD_VARIABLE} is set but empty")),
        Some(password) => Some(password),
        None if config.password.as_deref() == Some("") => {
            return Err("password under [serve] is empty: an empty password protects nothing".into());
        }
        None => config.password,
    };
    let tls = match (args.tls_cert.or(config.tls_cert), args.tls_key.or(config.tls_key)) {
        (Some(certificate), Some(key)) => Some((certificate, key)),
        (None, None) => None,
        _ => return Err("TLS needs both a certificate and a key (tls_cert and tls_key under [serve])".into()),
    };
    let options = serve::Options {
        listen: args.listen.or(config.listen).unwrap_or_else(|| DEFAULT_LISTEN.to_string()),
        user: config.user.unwrap_or_else(|| "cove".to_string()),
        password,
        tls,
        max_connections: config.max_connections.unwrap_or(serve::DEFAULT_MAX_CONNECTIONS),
        statement_timeout: config.statement_timeout,
    };
    serve::run(&settings, options).await.map(|()| ExitCode::SUCCESS)
}
