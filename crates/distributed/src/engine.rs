//! Running a fit on timely: the cluster's configuration, the worker threads started
//! (bound to `--cpus` if asked), and the wait for the result, bounded by the timeout.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use ladder_core::Fit;
use timely::{CommunicationConfig, WorkerConfig};

use crate::job::{BeforeEach, Job};
use crate::{Cluster, Distributed, DistributedError, Prepared, Source, bind_to, worker};

/// What worker 0 sends as soon as it has it: its fits, or why there are none.
type Outcome = Result<Vec<Fit>, DistributedError>;

impl Distributed {
    /// Fits the points of `source`. In a cluster every process calls this; process 0
    /// gets `Some(fit)`, the others `None`.
    pub fn fit_source(
        &self,
        source: Source,
        params: &ladder_core::FitParams,
    ) -> Result<Option<Fit>, DistributedError> {
        self.fit_prepared(&Prepared::new(source, params)?)
    }

    /// [`Distributed::fit_source`] for points and parameters already checked.
    pub fn fit_prepared(&self, prepared: &Prepared) -> Result<Option<Fit>, DistributedError> {
        Ok(self.fit_repeatedly(prepared, 1, None)?.pop())
    }

    /// Fits the same points `fits` times over in one cluster, which connects and sets up
    /// its chunks once; each fit is otherwise the fit [`Distributed::fit_prepared`]
    /// makes, from the same initial centers. Worker 0 runs `before_each` before each fit,
    /// while every other worker waits for the fit's first command: a benchmark times
    /// another engine there, on the same machine a moment before. (It runs on a thread
    /// bound to [`Distributed::cpus`], if they are set, as are the threads it starts.)
    /// Process 0 gets every fit; other processes get none, and need not know `fits` (nor
    /// pass a `before_each`): they serve fits until worker 0 says the last is over.
    /// `timeout` bounds the whole run.
    pub fn fit_repeatedly(
        &self,
        prepared: &Prepared,
        fits: usize,
        before_each: Option<BeforeEach>,
    ) -> Result<Vec<Fit>, DistributedError> {
        let start = Instant::now();
        let communication = self.communication()?;
        let job = Job {
            source: prepared.source.clone(),
            plan: prepared.plan.clone(),
            chunk_rows: self.chunk_rows,
            timeout: self.timeout,
            deadline: start + self.timeout,
            processes: self.cluster.processes(),
            fits: fits.max(1),
            before_each,
        };
        let deadline = job.deadline + Duration::from_millis(500);
        let (early, done) = self.launch(communication, job);
        self.wait(&early, &done, deadline)
    }

    /// timely's configuration of the cluster.
    fn communication(&self) -> Result<CommunicationConfig, DistributedError> {
        if self.chunk_rows == 0 {
            return Err(DistributedError::ChunkRowsZero);
        }
        let workers = self.cluster.workers().max(1);
        Ok(match &self.cluster {
            Cluster::Local { .. } => CommunicationConfig::Process(workers),
            Cluster::Hosts { hosts, process, .. } => {
                if *process >= hosts.len() {
                    return Err(DistributedError::ProcessOutOfRange {
                        process: *process,
                        hosts: hosts.len(),
                    });
                }
                CommunicationConfig::Cluster {
                    threads: workers,
                    process: *process,
                    addresses: hosts.clone(),
                    report: false,
                    zerocopy: false,
                }
            }
        })
    }

    /// Starts the workers on a thread of their own (timely blocks while it connects to
    /// its peers). Worker 0 sends its outcome on the first channel as soon as it has it,
    /// so that a failure ends the fit at once even while other workers wait on a dead
    /// peer; the second says when every worker of this process is done (or why one
    /// failed).
    fn launch(
        &self,
        communication: CommunicationConfig,
        job: Job,
    ) -> (Receiver<Outcome>, Receiver<Result<(), DistributedError>>) {
        let (early_tx, early_rx) = mpsc::channel();
        let (done_tx, done_rx) = mpsc::channel();
        let cpus = self.cpus.clone();
        let job = Arc::new(job);
        std::thread::spawn(move || {
            // Timely's threads (workers and network) start from this one, and inherit.
            if let Some(Err(e)) = cpus.as_deref().map(bind_to) {
                let _ = done_tx.send(Err(e.into()));
                return;
            }
            let config = timely::Config {
                communication,
                worker: WorkerConfig::default(),
            };
            let result = timely::execute(config, move |w| {
                let outcome = worker::run(w, &job);
                match w.index() {
                    0 => {
                        let _ = early_tx.send(outcome);
                        Ok(())
                    }
                    _ => outcome.map(|_| ()),
                }
            });
            let _ = done_tx.send(match result {
                Err(e) => Err(DistributedError::Start(e)),
                Ok(guards) => guards.join().into_iter().try_for_each(|r| match r {
                    Ok(worker) => worker,
                    Err(panic) => Err(DistributedError::Panicked(panic)),
                }),
            });
        });
        (early_rx, done_rx)
    }

    /// The fits, once worker 0 has them (process 0), or once this process's workers are
    /// done (the others); on success the fit still waits for every worker to shut down
    /// cleanly, so that no peer loses its connection mid-goodbye.
    fn wait(
        &self,
        early: &Receiver<Outcome>,
        done: &Receiver<Result<(), DistributedError>>,
        deadline: Instant,
    ) -> Outcome {
        let remaining = || deadline.saturating_duration_since(Instant::now());
        let wait_done = || match done.recv_timeout(remaining()) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => Err(DistributedError::Timeout(self.timeout)),
            Err(RecvTimeoutError::Disconnected) => Err(DistributedError::Disconnected),
        };
        if !self.cluster.is_process_0() {
            return wait_done().map(|()| Vec::new());
        }
        match early.recv_timeout(remaining()) {
            Ok(Ok(fits)) => {
                // The result is in hand; give the shutdown until the deadline.
                let _ = wait_done();
                Ok(fits)
            }
            Ok(Err(e)) => Err(e),
            Err(RecvTimeoutError::Timeout) => Err(DistributedError::Timeout(self.timeout)),
            // Worker 0 never ran: the joined result says why (a failed start).
            Err(RecvTimeoutError::Disconnected) => {
                wait_done()?;
                Err(DistributedError::Disconnected)
            }
        }
    }
}
