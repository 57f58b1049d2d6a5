//! A client as cove's handlers see it: pgwire's many bounds on a connection as one trait,
//! and what cove keeps for each connection.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;

use futures::{Sink, SinkExt};
use parking_lot::Mutex;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, ConnectionGuard, ConnectionHandle};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;

use super::errors;
use crate::engine::failures::Failure;

/// A connection pgwire hands its handlers: its settings and portals, and the wire.
pub trait Client: ClientInfo + ClientPortalStore<PortalStore: PortalStore> + Unpin + Send + Sync {
    /// The wire, failing with pgwire's error: pgwire's bound that the connection's own error
    /// converts to one cannot be a supertrait, so `?` and pgwire's senders take this instead.
    fn wire(&mut self) -> impl Sink<PgWireBackendMessage, Error = PgWireError> + Unpin + Send + '_;
}

impl<C> Client for C
where
    C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
    C::PortalStore: PortalStore,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    fn wire(&mut self) -> impl Sink<PgWireBackendMessage, Error = PgWireError> + Unpin + Send + '_ {
        self.sink_map_err(PgWireError::from)
    }
}

/// One client's connection: how to cancel its query, the settings it started with, and
/// the failures of its queries.
pub struct Connection {
    pub(super) cancel: Arc<ConnectionHandle>,
    _registered: ConnectionGuard,
    /// What RESET and DISCARD ALL go back to.
    pub(super) startup: HashMap<String, String>,
    /// The failures of its last query that ran to the end, which `cove_errors` shows it.
    pub(super) last_failures: Mutex<Vec<Failure>>,
    /// Failures of finished queries not yet told to the client.
    pub(super) untold: Mutex<Vec<Vec<Failure>>>,
}

impl Connection {
    pub fn new(
        cancel: Arc<ConnectionHandle>,
        registered: ConnectionGuard,
        startup: HashMap<String, String>,
    ) -> Connection {
        Connection {
            cancel,
            _registered: registered,
            startup,
            last_failures: Mutex::default(),
            untold: Mutex::default(),
        }
    }

    pub(super) fn of<C: ClientInfo>(client: &C) -> PgWireResult<Arc<Connection>> {
        let connection = client.session_extensions().get::<Connection>();
        connection.ok_or_else(|| errors::error(errors::INTERNAL, "the connection was not set up"))
    }
}
