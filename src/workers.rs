//! The background loops of a Kairos process: calendar sync, effects, push
//! channel renewal, expired slot holds, poll deadlines. Each wakes on its signal or its tick;
//! every process may run them (leases and `SKIP LOCKED` keep two processes
//! from doing the same work).
//!
//! At shutdown ([`Workers::shutdown`]) the loops stop taking work, work in
//! flight gets a grace period, and whatever is still running then is given
//! back (its lease released) so another process takes it at once instead of
//! after the lease runs out.

use crate::app::App;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// How a step learns that the process is stopping, and how long work in
/// flight may still take.
#[derive(Clone)]
pub struct Shutdown {
    /// `Some(grace)` once stopping.
    stop: watch::Receiver<Option<Duration>>,
}

impl Shutdown {
    /// A shutdown that never comes (one-off steps, tests).
    pub fn never() -> Shutdown {
        // With the sender gone, nothing ever asks (see `requested_wait`).
        let (_, stop) = watch::channel(None);
        Shutdown { stop }
    }

    /// A shutdown and the handle that triggers it.
    pub fn new() -> (ShutdownTrigger, Shutdown) {
        let (sender, stop) = watch::channel(None);
        (ShutdownTrigger { sender }, Shutdown { stop })
    }

    pub fn requested(&self) -> bool {
        self.stop.borrow().is_some()
    }

    /// Resolves once stopping is requested, with the grace period.
    pub async fn requested_wait(&self) -> Duration {
        let mut stop = self.stop.clone();
        let asked = stop
            .wait_for(Option::is_some)
            .await
            .map(|grace| grace.unwrap_or_default());
        match asked {
            Ok(grace) => grace,
            // The trigger is gone without asking: never.
            Err(_) => std::future::pending().await,
        }
    }

    /// Resolves when work in flight must give up: the grace period after
    /// stopping was requested.
    pub async fn deadline(&self) {
        let grace = self.requested_wait().await;
        tokio::time::sleep(grace).await;
    }
}

/// Waits for `tasks` (each answers the key of the work it did). If the
/// shutdown's deadline comes first, aborts the rest and returns the keys of
/// `running` that did not finish, for the caller to give back.
pub async fn finish_or_abandon<K>(
    mut tasks: tokio::task::JoinSet<K>,
    mut running: std::collections::HashSet<K>,
    shutdown: &Shutdown,
) -> Vec<K>
where
    K: Eq + std::hash::Hash + Send + 'static,
{
    let deadline = shutdown.deadline();
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            next = tasks.join_next() => match next {
                Some(Ok(key)) => {
                    running.remove(&key);
                }
                Some(Err(_)) => {}
                None => return Vec::new(),
            },
            () = &mut deadline => break,
        }
    }
    tasks.abort_all();
    while let Some(done) = tasks.join_next().await {
        if let Ok(key) = done {
            running.remove(&key);
        }
    }
    running.into_iter().collect()
}

/// Triggers a [`Shutdown`].
pub struct ShutdownTrigger {
    sender: watch::Sender<Option<Duration>>,
}

impl ShutdownTrigger {
    /// Asks every holder of the [`Shutdown`] to stop, giving work in flight `grace`.
    pub fn stop(&self, grace: Duration) {
        self.sender.send_replace(Some(grace));
    }
}

/// The running loops of one process.
pub struct Workers {
    trigger: ShutdownTrigger,
    loops: Vec<tokio::task::JoinHandle<()>>,
}

impl Workers {
    /// Stops the loops: no new work, work in flight gets `grace` and is then
    /// released for another process (or the next start) to take.
    pub async fn shutdown(self, grace: Duration) {
        self.trigger.stop(grace);
        for mut handle in self.loops {
            // A step gives up at the grace period; a little more lets it
            // record what it released.
            if tokio::time::timeout(grace + Duration::from_secs(5), &mut handle)
                .await
                .is_err()
            {
                handle.abort();
            }
        }
    }
}

/// Runs `step` whenever `wake` fires or `every` passes, until shutdown.
fn spawn_loop<F, Fut>(
    name: &'static str,
    wake: Arc<Notify>,
    every: Duration,
    shutdown: Shutdown,
    step: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn(Shutdown) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<usize, String>> + Send,
{
    tokio::spawn(async move {
        while !shutdown.requested() {
            match step(shutdown.clone()).await {
                // More may be waiting: go again at once.
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(worker = name, %error, "background step failed"),
            }
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(every) => {}
                _ = shutdown.requested_wait() => {}
            }
        }
    })
}

pub fn spawn(app: App) -> Workers {
    let (trigger, shutdown) = Shutdown::new();
    let mut loops = Vec::new();
    let s = app.clone();
    loops.push(spawn_loop(
        "sync",
        app.signals.sync.clone(),
        Duration::from_secs(5),
        shutdown.clone(),
        move |shutdown| {
            let s = s.clone();
            async move {
                crate::sync::runner::run_due_until(&s, 8, &shutdown)
                    .await
                    .map_err(|e| e.to_string())
            }
        },
    ));
    let s = app.clone();
    loops.push(spawn_loop(
        "effects",
        app.signals.effects.clone(),
        Duration::from_secs(1),
        shutdown.clone(),
        move |shutdown| {
            let s = s.clone();
            async move {
                crate::effects::run_due_until(&s, crate::effects::STEP_LIMIT, &shutdown)
                    .await
                    .map_err(|e| e.to_string())
            }
        },
    ));
    let s = app.clone();
    loops.push(spawn_loop(
        "push",
        app.signals.push.clone(),
        Duration::from_secs(600),
        shutdown.clone(),
        move |_| {
            let s = s.clone();
            async move {
                // Renewal counts are not a backlog: never loop at once.
                crate::sync::push::renew_due(&s)
                    .await
                    .map(|_| 0)
                    .map_err(|e| e.to_string())
            }
        },
    ));
    let s = app.clone();
    loops.push(spawn_loop(
        "holds",
        Arc::new(Notify::new()),
        Duration::from_secs(60),
        shutdown.clone(),
        move |_| {
            let s = s.clone();
            async move {
                // Tidying only: an expired hold already counts for nothing
                // (every read compares expires_at with the clock), so
                // nothing cached changes and the loop never hurries.
                s.store
                    .sweep_holds(s.now())
                    .await
                    .map(|_| 0)
                    .map_err(|e| e.to_string())
            }
        },
    ));
    let s = app;
    loops.push(spawn_loop(
        "polls",
        Arc::new(Notify::new()),
        Duration::from_secs(30),
        shutdown,
        move |_| {
            let s = s.clone();
            async move {
                match crate::booking::polls::close_due(s.store.as_ref(), s.now()).await {
                    Ok(0) => Ok(0),
                    // A poll may have booked its best option: slots changed;
                    // and its participants are to hear the outcome.
                    Ok(_) => {
                        s.changed();
                        s.signals.effects.notify_one();
                        Ok(0)
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
        },
    ));
    Workers { trigger, loops }
}
