//! The commands people run: one-shot queries, the shell, compliance checks, the Postgres
//! endpoint, the catalog reference, and the demo.

pub mod check;
mod command;
mod completion;
pub mod demo;
mod progress;
pub mod query;
pub mod reference;
pub mod serve;
pub mod shell;

use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::engine::failures::summarize;
use crate::engine::run::Summary;

/// Exit code for usage errors, fatal errors, and (with --strict) failed targets.
pub const FAILURE: u8 = 2;
/// Exit code of a check run that found something to fix.
pub const ALARM: u8 = 1;
/// Exit code after Ctrl-C, as shells report SIGINT.
pub const INTERRUPTED: u8 = 130;

/// Tells the user on stderr how a statement went: its failed targets, its cost (with
/// `stats`), and why it failed, if it did; true when it did.
pub fn report(summary: &Summary, stats: bool, strict: bool) -> bool {
    for line in summarize(&summary.failures) {
        eprintln!("warning: {line}");
    }
    if stats {
        eprintln!("{}", summary.describe());
    }
    let failed = summary.failed(strict);
    if let Some(why) = &failed {
        eprintln!("error: {why}");
    }
    failed.is_some()
}

/// The signals that end a command: Ctrl-C (unless the command handles it), SIGTERM and
/// SIGHUP. Listening starts when this is made, so a signal that arrives before the
/// command first waits still counts.
pub struct Signals {
    interrupt: Option<Signal>,
    terminate: Option<Signal>,
    hangup: Option<Signal>,
}

impl Signals {
    pub fn listen(sigint: bool) -> Signals {
        let listen = |kind: SignalKind| signal(kind).ok();
        Signals {
            interrupt: if sigint { listen(SignalKind::interrupt()) } else { None },
            terminate: listen(SignalKind::terminate()),
            hangup: listen(SignalKind::hangup()),
        }
    }

    /// Waits for one and returns the exit code shells report for it. The command's
    /// future is dropped in its place: calls in flight are abandoned, temporary files
    /// removed.
    pub async fn received(&mut self) -> u8 {
        tokio::select! {
            _ = received(self.interrupt.as_mut()) => INTERRUPTED,
            _ = received(self.terminate.as_mut()) => 128 + 15,
            _ = received(self.hangup.as_mut()) => 128 + 1,
        }
    }
}

async fn received(signal: Option<&mut Signal>) {
    match signal {
        Some(signal) => drop(signal.recv().await),
        None => std::future::pending().await,
    }
}
