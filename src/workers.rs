//! The background loops of a Kairos process: calendar sync, effects, push
//! channel renewal, poll deadlines. Each wakes on its signal or its tick;
//! every process may run them (leases and `SKIP LOCKED` keep two processes
//! from doing the same work).

use crate::sync::SyncService;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Runs `step` whenever `wake` fires or `every` passes, until the process ends.
fn spawn_loop<F, Fut>(name: &'static str, wake: Arc<Notify>, every: Duration, step: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<usize, String>> + Send,
{
    tokio::spawn(async move {
        loop {
            match step().await {
                // More may be waiting: go again at once.
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(worker = name, %error, "background step failed"),
            }
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(every) => {}
            }
        }
    });
}

pub fn spawn(service: SyncService) {
    let s = service.clone();
    spawn_loop(
        "sync",
        service.wake.clone(),
        Duration::from_secs(5),
        move || {
            let s = s.clone();
            async move {
                crate::sync::runner::run_due(&s, 8)
                    .await
                    .map_err(|e| e.to_string())
            }
        },
    );
    let s = service.clone();
    spawn_loop(
        "effects",
        service.wake_effects.clone(),
        Duration::from_secs(1),
        move || {
            let s = s.clone();
            async move {
                crate::effects::run_due(&s, 16)
                    .await
                    .map_err(|e| e.to_string())
            }
        },
    );
    let s = service.clone();
    spawn_loop(
        "push",
        Arc::new(Notify::new()),
        Duration::from_secs(600),
        move || {
            let s = s.clone();
            async move {
                // Renewal counts are not a backlog: never loop at once.
                crate::sync::push::renew_due(&s)
                    .await
                    .map(|_| 0)
                    .map_err(|e| e.to_string())
            }
        },
    );
    let s = service;
    spawn_loop(
        "polls",
        Arc::new(Notify::new()),
        Duration::from_secs(30),
        move || {
            let s = s.clone();
            async move {
                match crate::booking::polls::close_due(s.store.as_ref(), s.now()).await {
                    Ok(0) => Ok(0),
                    // A poll may have booked its best option: slots changed.
                    Ok(_) => {
                        (s.on_change)();
                        Ok(0)
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
        },
    );
}
