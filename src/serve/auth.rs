//! Who may connect: anyone on a loopback-only server without a password; otherwise SCRAM
//! with the configured user and password. TLS with the given certificate, required of
//! every client when the server is reachable from the network.

use std::collections::HashMap;
use std::fmt::Debug;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use futures::Sink;
use pgwire::api::auth::sasl::scram::{ScramAuth, gen_salted_password, random_nonce};
use pgwire::api::auth::sasl::{SASLAuthStartupHandler, SCRAM_SHA_256_METHOD, SCRAM_SHA_256_PLUS_METHOD};
use pgwire::api::auth::{
    AuthSource, DefaultServerParameterProvider, LoginInfo, Password, StartupHandler, finish_authentication,
    protocol_negotiation, save_startup_parameters_to_metadata,
};
use pgwire::api::{
    ClientInfo, ConnectionManager, PgWireConnectionState, PidSecretKeyGenerator, RandomPidSecretKeyGenerator,
};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::startup::PasswordMessageFamily;
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use pgwire::tokio::TlsAcceptor;
use pgwire::tokio::tokio_rustls::rustls::ServerConfig;
use pgwire::tokio::tokio_rustls::rustls::crypto::aws_lc_rs;
use pgwire::tokio::tokio_rustls::rustls::pki_types::pem::PemObject;
use pgwire::tokio::tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::client::Connection;
use super::{errors, settings};

const SCRAM_ITERATIONS: usize = 4096;

/// How connections authenticate, shared by all of them.
pub struct Auth {
    user: String,
    password: Option<Arc<Secret>>,
    /// The server's certificate (PEM), for SCRAM's channel binding under TLS.
    certificate: Option<Vec<u8>>,
    require_tls: bool,
    parameters: Arc<DefaultServerParameterProvider>,
    pids: Arc<RandomPidSecretKeyGenerator>,
    pub cancels: Arc<ConnectionManager>,
    /// Settings of every connection whose startup does not name them.
    defaults: HashMap<String, String>,
}

impl Auth {
    /// Fails when the certificate cannot serve SCRAM's channel binding.
    pub fn new(
        user: String,
        password: Option<&str>,
        certificate: Option<Vec<u8>>,
        require_tls: bool,
    ) -> Result<Auth, String> {
        let mut parameters = DefaultServerParameterProvider::default();
        parameters.server_version = format!("16.6-cove-{}", env!("CARGO_PKG_VERSION"));
        parameters.is_superuser = false;
        parameters.default_transaction_read_only = true;
        parameters.time_zone = "UTC".into();
        let password = password.map(|password| {
            let salt = random_nonce().into_bytes();
            let salted = gen_salted_password(password, &salt, SCRAM_ITERATIONS);
            Arc::new(Secret { user: user.clone(), salt, salted })
        });
        let auth = Auth {
            user,
            password,
            certificate,
            require_tls,
            parameters: Arc::new(parameters),
            pids: Arc::new(RandomPidSecretKeyGenerator::default()),
            cancels: Arc::new(ConnectionManager::new()),
            defaults: HashMap::new(),
        };
        if let Some(secret) = &auth.password {
            auth.scram(secret.clone(), true).map_err(|e| format!("TLS certificate: {e}"))?;
        }
        Ok(auth)
    }

    /// SCRAM for one connection, bound to the TLS channel when it has one.
    fn scram(&self, secret: Arc<Secret>, secure: bool) -> PgWireResult<ScramAuth> {
        let mut scram = ScramAuth::new(secret);
        scram.set_iterations(SCRAM_ITERATIONS);
        if let Some(certificate) = self.certificate.as_ref().filter(|_| self.binds(secure)) {
            scram.configure_certificate(certificate)?;
        }
        Ok(scram)
    }

    pub fn set_default(&mut self, name: &str, value: String) {
        self.defaults.insert(name.to_string(), value);
    }

    /// Whether SCRAM is bound to the channel, and SCRAM-SHA-256-PLUS offered: under TLS
    /// with the certificate at hand.
    fn binds(&self, secure: bool) -> bool {
        secure && self.certificate.is_some()
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    /// For the banner: how clients get in.
    pub fn describe(&self) -> String {
        let who = match self.password {
            Some(_) => format!("user {} with a password (SCRAM-SHA-256)", self.user),
            None => "any user name, no password".to_string(),
        };
        let tls = match (&self.certificate, self.require_tls) {
            (Some(_), true) => "TLS required",
            (Some(_), false) => "TLS offered",
            (None, _) => "no TLS",
        };
        format!("{who}, {tls}")
    }

    /// The handler of one connection's startup: SCRAM keeps the exchange's state in it.
    pub fn startup(self: &Arc<Self>) -> Startup {
        Startup { auth: self.clone(), scram: OnceLock::new(), chosen: AtomicBool::new(false) }
    }
}

/// The salted password; never printed.
struct Secret {
    user: String,
    salt: Vec<u8>,
    salted: Vec<u8>,
}

impl Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the password of {}", self.user)
    }
}

#[async_trait]
impl AuthSource for Secret {
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        match login.user() {
            Some(user) if user == self.user => Ok(Password::new(Some(self.salt.clone()), self.salted.clone())),
            other => Err(PgWireError::InvalidPassword(other.unwrap_or_default().to_string())),
        }
    }
}

pub struct Startup {
    auth: Arc<Auth>,
    /// Made at the first message, when it is known whether the connection is TLS: only
    /// then may channel binding (SCRAM-SHA-256-PLUS) be offered.
    scram: OnceLock<SASLAuthStartupHandler<DefaultServerParameterProvider>>,
    /// Whether the client has sent its SASLInitialResponse: its first password message is
    /// that, the others carry on the exchange.
    chosen: AtomicBool,
}

#[async_trait]
impl StartupHandler for Startup {
    async fn on_startup<C>(&self, client: &mut C, message: PgWireFrontendMessage) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let auth = &self.auth;
        if auth.require_tls && !client.is_secure() {
            let refused = "cove serve takes TLS connections only here (connect with sslmode=require)";
            let info = ErrorInfo::new("FATAL".into(), errors::INVALID_AUTHORIZATION.into(), refused.into());
            return Err(PgWireError::UserError(Box::new(info)));
        }
        match (&auth.password, &message) {
            (Some(secret), _) => {
                let scram = match self.scram.get() {
                    Some(scram) => scram,
                    None => {
                        let scram = SASLAuthStartupHandler::new(auth.parameters.clone())
                            .with_scram(auth.scram(secret.clone(), client.is_secure())?)
                            .with_pid_secret_key_generator(auth.pids.clone());
                        self.scram.get_or_init(|| scram)
                    }
                };
                if let PgWireFrontendMessage::PasswordMessageFamily(PasswordMessageFamily::Raw(body)) = &message
                    && !self.chosen.swap(true, Ordering::Relaxed)
                {
                    initial_response(body, auth.binds(client.is_secure())).map_err(|refused| {
                        let info = ErrorInfo::new("FATAL".into(), errors::PROTOCOL_VIOLATION.into(), refused);
                        PgWireError::UserError(Box::new(info))
                    })?;
                }
                scram.on_startup(client, message).await?
            }
            (None, PgWireFrontendMessage::Startup(startup)) => {
                protocol_negotiation(client, startup).await?;
                save_startup_parameters_to_metadata(client, startup);
                let (pid, secret_key) = auth.pids.generate(client);
                client.set_pid_and_secret_key(pid, secret_key);
                finish_authentication(client, auth.parameters.as_ref()).await?;
            }
            (None, _) => {}
        }
        // Authenticated: the connection can be cancelled, and keeps its queries' failures
        // and the settings it started with.
        if matches!(client.state(), PgWireConnectionState::ReadyForQuery)
            && client.session_extensions().get::<Connection>().is_none()
        {
            let (pid, secret_key) = client.pid_and_secret_key();
            let (cancel, registered) = auth.cancels.register(pid, secret_key);
            // The settings it started with, as cove spells them, so SET and SHOW find them.
            let mut startup = auth.defaults.clone();
            startup.extend(client.metadata().iter().map(|(name, value)| (settings::known_name(name), value.clone())));
            *client.metadata_mut() = startup.clone();
            client.session_extensions().insert(Connection::new(cancel, registered, startup));
        }
        Ok(())
    }
}

/// Checks a SASLInitialResponse before pgwire reads it: pgwire takes the data's length on
/// trust (and panics past the message's end), and accepts any channel binding flag with
/// either SCRAM mechanism. RFC 5802 §6 and RFC 5929: SCRAM-SHA-256-PLUS only where it was
/// offered and with the tls-server-end-point binding; plain SCRAM-SHA-256 with no binding,
/// and not with "y" (the client could bind but thinks the server cannot) where -PLUS was
/// offered, since only a man in the middle taking it off the offer explains that.
fn initial_response(body: &[u8], plus_offered: bool) -> Result<(), String> {
    let malformed = || "malformed SASLInitialResponse message".to_string();
    let end = body.iter().position(|&b| b == 0).ok_or_else(malformed)?;
    let (mechanism, rest) = (&body[..end], &body[end + 1..]);
    let (length, data) = rest.split_first_chunk::<4>().ok_or_else(malformed)?;
    if usize::try_from(i32::from_be_bytes(*length)) != Ok(data.len()) {
        return Err(malformed());
    }
    let plus = match std::str::from_utf8(mechanism) {
        Ok(SCRAM_SHA_256_PLUS_METHOD) => true,
        Ok(SCRAM_SHA_256_METHOD) => false,
        // pgwire refuses a mechanism it did not offer.
        _ => return Ok(()),
    };
    let flag = data.split(|&b| b == b',').next().unwrap_or_default();
    match (plus, flag, plus_offered) {
        (true, b"p=tls-server-end-point", true) | (false, b"n", _) | (false, b"y", false) => Ok(()),
        (true, _, false) => Err(format!("{SCRAM_SHA_256_PLUS_METHOD} is offered over TLS only")),
        (true, _, true) => Err(format!(
            "the client selected {SCRAM_SHA_256_PLUS_METHOD} without the tls-server-end-point channel binding"
        )),
        (false, b"y", true) => Err(format!(
            "SCRAM channel binding negotiation error: the client thinks this server cannot bind, but \
             {SCRAM_SHA_256_PLUS_METHOD} was offered"
        )),
        (false, _, _) => Err(format!(
            "the client selected {SCRAM_SHA_256_METHOD} without channel binding, but its message asks for it"
        )),
    }
}

/// A TLS acceptor for the certificate chain and key in these PEM files, and the
/// certificate's PEM; any problem with them stops the server from starting.
pub fn tls_acceptor(certificate: &Path, key: &Path) -> Result<(TlsAcceptor, Vec<u8>), String> {
    let read = |path: &Path| std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()));
    let certificate_pem = read(certificate)?;
    let chain = CertificateDer::pem_slice_iter(&certificate_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: not a PEM certificate: {e}", certificate.display()))?;
    if chain.is_empty() {
        return Err(format!("{}: no certificate in it", certificate.display()));
    }
    let key = PrivateKeyDer::from_pem_slice(&read(key)?)
        .map_err(|e| format!("{}: not a PEM private key: {e}", key.display()))?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("TLS with {}: {e}", certificate.display()))?;
    // psql 17's sslnegotiation=direct asks for it.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok((TlsAcceptor::from(Arc::new(config)), certificate_pem))
}
