//! The server's log: one stderr line per statement.

use pgwire::api::ClientInfo;
use pgwire::error::PgWireError;

/// The stderr line of one query: who asked, how it went, what it cost. A query dropped
/// before its end (the client went away, or closed its portal) is logged as abandoned.
pub struct Log {
    who: String,
    sql: String,
    done: bool,
}

impl Log {
    pub fn new<C: ClientInfo>(client: &C, sql: &str) -> Log {
        // The client names itself: no control characters, so it cannot forge log lines.
        let app = client.metadata().get("application_name").map(|a| a.replace(char::is_control, "?"));
        let who = match app.filter(|a| !a.is_empty()) {
            Some(app) => format!("{} {app}", client.socket_addr()),
            None => client.socket_addr().to_string(),
        };
        let sql = sql.split_whitespace().collect::<Vec<_>>().join(" ").replace(char::is_control, "?");
        let sql = match sql.char_indices().nth(100) {
            Some((cut, _)) => format!("{}...", &sql[..cut]),
            None => sql,
        };
        Log { who, sql, done: false }
    }

    pub fn finish(&mut self, outcome: &str) {
        self.done = true;
        eprintln!("serve: {}: {outcome} | {}", self.who, self.sql);
    }

    /// A statement refused or failed before it ran; the error, for the client.
    pub fn failed(mut self, error: PgWireError) -> PgWireError {
        let message = match &error {
            PgWireError::UserError(info) => info.message.clone(),
            other => other.to_string(),
        };
        self.finish(&format!("error: {message}"));
        error
    }
}

impl Drop for Log {
    fn drop(&mut self) {
        if !self.done {
            eprintln!("serve: {}: abandoned (the client went away or closed the query) | {}", self.who, self.sql);
        }
    }
}
