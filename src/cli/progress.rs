//! The progress line of a statement running in a terminal: targets done of all, rows,
//! API calls and throttled answers, redrawn on stderr until the statement ends.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::engine::Engine;
use crate::engine::run::QueryRun;

/// Shown while it lives, when stderr is a terminal; erased when dropped.
pub struct ProgressLine {
    stopped: Arc<AtomicBool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl ProgressLine {
    pub fn start(engine: &Arc<Engine>, run: &Arc<QueryRun>) -> ProgressLine {
        let stopped = Arc::new(AtomicBool::new(false));
        let task =
            std::io::stderr().is_terminal().then(|| tokio::spawn(redraw(engine.clone(), run.clone(), stopped.clone())));
        ProgressLine { stopped, task }
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        let Some(task) = self.task.take() else { return };
        // Under stderr's lock, so a redraw already under way cannot land after the erase.
        let mut stderr = std::io::stderr().lock();
        self.stopped.store(true, Ordering::Relaxed);
        task.abort();
        let _ = write!(stderr, "\r\x1b[K");
    }
}

async fn redraw(engine: Arc<Engine>, run: Arc<QueryRun>, stopped: Arc<AtomicBool>) {
    let progress = &run.progress;
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let calls = run.calls(&engine);
        let throttled: u64 = calls.throttles().values().sum();
        let mut line = format!(
            "{}/{} targets, {} rows, {} API calls",
            progress.targets_done.load(Ordering::Relaxed),
            progress.targets.load(Ordering::Relaxed),
            progress.rows.load(Ordering::Relaxed),
            calls.total()
        );
        if throttled > 0 {
            line.push_str(&format!(", {throttled} throttled"));
        }
        let mut stderr = std::io::stderr().lock();
        if stopped.load(Ordering::Relaxed) {
            return;
        }
        let _ = write!(stderr, "\r\x1b[K{line}");
    }
}
