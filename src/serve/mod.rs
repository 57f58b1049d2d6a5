//! `cove serve`: the estate over the Postgres wire protocol (pgwire), so psql, notebooks
//! and BI tools query it live. One engine serves every connection, so they share its scan
//! cache and assumed credentials; each statement runs in a query run of its own, answered
//! to its own client.

mod auth;
mod client;
mod copy;
mod encode;
mod errors;
mod handler;
mod log;
mod policy;
mod settings;
mod streaming;
mod wire;

use std::fmt::Debug;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures::Sink;
use pgwire::api::auth::StartupHandler;
use pgwire::api::cancel::{CancelHandler, DefaultCancelHandler};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::{ClientInfo, ConnectionManager, PgWireServerHandlers};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use pgwire::tokio::TlsAcceptor;
use socket2::{SockRef, TcpKeepalive};
use tokio::io::Interest;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::engine::session;
use crate::settings::Settings;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:5433";
pub const DEFAULT_MAX_CONNECTIONS: usize = 100;

pub struct Options {
    pub listen: String,
    pub user: String,
    pub password: Option<String>,
    /// Certificate chain and private key, PEM.
    pub tls: Option<(PathBuf, PathBuf)>,
    pub max_connections: usize,
    /// Every connection's `statement_timeout` until it sets its own.
    pub statement_timeout: Option<String>,
}

/// Serves until the process is stopped. Bad options, an address in use or an estate that
/// cannot be resolved end it before any client connects.
pub async fn run(settings: &Settings, options: Options) -> Result<(), String> {
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host(&options.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?
        .collect();
    if !(1..=10_000).contains(&options.max_connections) {
        return Err(format!("max_connections {} under [serve] is out of range (1 to 10000)", options.max_connections));
    }
    if let Some(timeout) = options.statement_timeout.as_deref().filter(|t| settings::timeout(t).is_none()) {
        return Err(format!("statement_timeout {timeout:?} under [serve] is not a duration (1500, 30s, 5min)"));
    }
    let loopback = addresses.iter().all(|a| a.ip().is_loopback());
    if !loopback && options.password.is_none() {
        return Err(format!(
            "{} reaches beyond this machine: serving there requires a password (set COVE_SERVE_PASSWORD, \
             or password under [serve] in the config file)",
            options.listen
        ));
    }
    let (tls, certificate) = match &options.tls {
        Some((certificate, key)) => {
            let (acceptor, pem) = auth::tls_acceptor(certificate, key)?;
            (Some(acceptor), Some(pem))
        }
        None => (None, None),
    };
    let mut auth = auth::Auth::new(options.user, options.password.as_deref(), certificate, tls.is_some() && !loopback)?;
    if let Some(timeout) = options.statement_timeout {
        auth.set_default("statement_timeout", timeout);
    }
    let auth = Arc::new(auth);
    let listeners = bind(&addresses).await.map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
    let bound: Vec<SocketAddr> = listeners.iter().map(|(_, address)| *address).collect();
    let address = bound[0];
    let (engine, ctx) = session::open_for_clients(settings).await?;
    let estate = &engine.estate;
    eprintln!(
        "cove serve: listening on {} ({}), read-only; {}\n\
         {} tables and cove_errors over {} account(s) x {} region(s); scans cached for {}\n\
         connect: psql \"host={} port={} user={} dbname=cove{}\"",
        bound.iter().map(SocketAddr::to_string).collect::<Vec<_>>().join(" and "),
        if loopback { "this machine only" } else { "reachable from the network" },
        auth.describe(),
        engine.tables.len(),
        estate.accounts.len(),
        estate.regions.len(),
        settings.cache_ttl.map_or("no time (--no-cache)".to_string(), |ttl| format!("{} s", ttl.as_secs())),
        // Every interface includes loopback.
        if address.ip().is_unspecified() { "localhost".to_string() } else { address.ip().to_string() },
        address.port(),
        auth.user(),
        if tls.is_some() { " sslmode=require" } else { "" },
    );
    if !loopback && tls.is_none() {
        eprintln!("warning: without --tls-cert, passwords are safe (SCRAM) but answers cross the network unencrypted");
    }
    let handlers = Arc::new(Handlers { queries: Arc::new(handler::Queries::new(engine, ctx, settings.strict)), auth });
    let slots = Slots {
        clients: Arc::new(Semaphore::new(options.max_connections)),
        refusals: Arc::new(Semaphore::new(REFUSALS)),
    };
    let accepting =
        listeners.into_iter().map(|(listener, _)| accept(listener, tls.clone(), handlers.clone(), slots.clone()));
    futures::future::join_all(accepting).await;
    Ok(())
}

/// Binds every address `addresses` holds (`localhost` is 127.0.0.1 and ::1, and clients
/// may try either) on one port: the first bound's, when the port is left to the system.
/// An address that cannot be bound is skipped with a warning while another can be.
async fn bind(addresses: &[SocketAddr]) -> std::io::Result<Vec<(TcpListener, SocketAddr)>> {
    let mut listeners: Vec<(TcpListener, SocketAddr)> = Vec::new();
    let mut refused = Vec::new();
    for address in addresses {
        let mut address = *address;
        if let Some((_, first)) = listeners.first() {
            address.set_port(first.port());
        }
        if listeners.iter().any(|(_, bound)| *bound == address) {
            continue;
        }
        match TcpListener::bind(address).await.and_then(|l| Ok((l.local_addr()?, l))) {
            Ok((bound, listener)) => listeners.push((listener, bound)),
            Err(e) => refused.push((address, e)),
        }
    }
    if listeners.is_empty() {
        return Err(refused.into_iter().next().map_or_else(|| std::io::ErrorKind::NotFound.into(), |(_, e)| e));
    }
    for (address, e) in refused {
        eprintln!("warning: not listening on {address}: {e}");
    }
    Ok(listeners)
}

/// Who may be connected at once.
#[derive(Clone)]
struct Slots {
    clients: Arc<Semaphore>,
    /// Connections beyond the clients', being told the server is full.
    refusals: Arc<Semaphore>,
}

/// Connections told at once that the server is full; beyond them a connection is closed
/// unanswered, so that a flood of idle sockets cannot use up the file descriptors.
const REFUSALS: usize = 16;

/// Accepts clients on `listener` until the process is stopped, each holding one of the
/// `slots` while it is connected; with none left, a client is told so and let go.
async fn accept(listener: TcpListener, tls: Option<TlsAcceptor>, handlers: Arc<Handlers>, slots: Slots) {
    loop {
        match listener.accept().await {
            Ok((socket, _)) => {
                // A client whose machine vanished without closing the connection is found
                // out in a few minutes instead of never.
                let keepalive =
                    TcpKeepalive::new().with_time(Duration::from_secs(60)).with_interval(Duration::from_secs(10));
                let _ = SockRef::from(&socket).set_tcp_keepalive(&keepalive);
                let (client, refusal) = (slots.clients.clone(), slots.refusals.clone());
                match (client.try_acquire_owned(), refusal.try_acquire_owned()) {
                    (Ok(slot), _) => {
                        tokio::spawn(connection(socket, tls.clone(), handlers.clone(), slot));
                    }
                    // Cancel requests come on connections of their own, and still work.
                    (Err(_), Ok(refusal)) => {
                        let full = Full { cancels: handlers.auth.cancels.clone() };
                        let tls = tls.clone();
                        tokio::spawn(async move {
                            wire::serve(socket, tls, &full).await;
                            drop(refusal);
                        });
                    }
                    (Err(_), Err(_)) => drop(socket),
                }
            }
            // Out of file descriptors, say: the clients already connected carry on.
            Err(e) => {
                eprintln!("serve: cannot accept a connection: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Serves one client until it leaves. pgwire reads nothing while a query runs, so a second
/// handle on the socket watches for the client hanging up: then the connection's task is
/// dropped, and with it the query's stream and every API call in flight.
async fn connection(socket: TcpStream, tls: Option<TlsAcceptor>, handlers: Arc<Handlers>, _slot: OwnedSemaphorePermit) {
    let watcher = socket.into_std().and_then(|s| Ok((s.try_clone()?, s)));
    let (watched, socket) = match watcher {
        Ok((watched, socket)) => match (TcpStream::from_std(watched), TcpStream::from_std(socket)) {
            (Ok(watched), Ok(socket)) => (watched, socket),
            _ => return,
        },
        Err(_) => return,
    };
    let served = tokio::spawn(async move { wire::serve(socket, tls, &handlers).await });
    let abort = served.abort_handle();
    tokio::select! {
        _ = served => {}
        () = hung_up(&watched) => abort.abort(),
    }
}

/// Returns once the peer has closed its side of `socket`. Bytes pgwire has yet to read
/// (a pipelined Sync) keep it readable, so the hang-up itself is what is watched for.
async fn hung_up(socket: &TcpStream) {
    loop {
        match socket.ready(Interest::READABLE).await {
            Ok(ready) if !ready.is_read_closed() => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            _ => return,
        }
    }
}

struct Handlers {
    queries: Arc<handler::Queries>,
    auth: Arc<auth::Auth>,
}

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.queries.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.queries.clone()
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        Arc::new(self.auth.startup())
    }

    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        Arc::new(DefaultCancelHandler::new(self.auth.cancels.clone()))
    }
}

/// The handlers of a connection beyond the cap: its startup is refused as Postgres refuses
/// it, and a cancel request is honoured.
struct Full {
    cancels: Arc<ConnectionManager>,
}

impl PgWireServerHandlers for Full {
    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        Arc::new(TooManyClients)
    }

    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        Arc::new(DefaultCancelHandler::new(self.cancels.clone()))
    }
}

struct TooManyClients;

#[async_trait::async_trait]
impl StartupHandler for TooManyClients {
    async fn on_startup<C>(&self, _client: &mut C, _message: PgWireFrontendMessage) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let refused = "sorry, too many clients already (max_connections under [serve])";
        let info = ErrorInfo::new("FATAL".into(), errors::TOO_MANY_CONNECTIONS.into(), refused.into());
        Err(PgWireError::UserError(Box::new(info)))
    }
}
