//! The engine's own actix System on a dedicated thread. Provider actors
//! live there and claims run there, so the engine behaves the same under
//! actix-web, under a plain tokio runtime, or called from plain threads,
//! and a claim is never cancelled half-way because a client went away.

use std::future::Future;

use actix::{Actor, Addr};
use actix_rt::{ArbiterHandle, System};

use super::ledger::Ledger;
use super::provider_actor::ProviderActor;

pub struct ActorRuntime {
    system: System,
    arbiter: ArbiterHandle,
}

impl ActorRuntime {
    pub fn start() -> std::io::Result<ActorRuntime> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("placement-engine".into())
            .spawn(move || {
                let runner = System::new();
                let _ = tx.send((System::current(), actix_rt::Arbiter::current()));
                let _ = runner.run();
            })?;
        let (system, arbiter) = rx
            .recv()
            .map_err(|_| std::io::Error::other("engine thread did not start"))?;
        Ok(ActorRuntime { system, arbiter })
    }

    pub fn start_provider(&self, ledger: Ledger) -> Addr<ProviderActor> {
        ProviderActor::start_in_arbiter(&self.arbiter, move |_| ProviderActor::new(ledger))
    }

    /// Runs `fut` to completion on the engine thread and returns its output.
    pub async fn run<T, F>(&self, fut: F) -> Option<T>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.arbiter.spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.await.ok()
    }
}

impl Drop for ActorRuntime {
    fn drop(&mut self) {
        // Not joined: the last engine handle may be dropped on this thread.
        self.system.stop();
    }
}
