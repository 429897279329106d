//! Worker 0's part: it drives the fit pass by pass ([`ladder_core::Lloyd`], the same
//! state the shared loop drives), sends each pass's centers and split, adds every
//! chunk's partial sums in chunk order, and assembles the fit from the chunks' labels.

use std::time::Instant;

use ladder_core::{Details, Evaluations, Fit, Lloyd, Partial, update_from_partials};
use serde::Serialize;

use crate::balance::{Balance, BalanceFacts};
use crate::chunks::Chunks;
use crate::job::Job;
use crate::protocol::{Command, Reply};
use crate::wire::{Expected, Received, Wire};
use crate::worker::serve;
use crate::{DistributedError, Source};

/// Where a distributed fit's points came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SourceKind {
    /// In memory.
    #[serde(rename = "memory")]
    Memory,
    /// A `.npy` file every worker reads its chunks from, every pass.
    #[serde(rename = "file, streamed chunk by chunk every pass")]
    File,
}

/// What a `distributed` fit reports: the cluster, the chunks, and how the last pass was
/// split between the workers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistributedFacts {
    /// The split of the last pass.
    #[serde(flatten)]
    pub balance: BalanceFacts,
    /// Processes in the cluster.
    pub processes: usize,
    /// Worker threads per process.
    pub workers_per_process: usize,
    /// Rows per chunk.
    pub chunk_rows: usize,
    /// Chunks the points were cut into.
    pub chunks: usize,
    /// Memory or file.
    pub source: SourceKind,
}

/// Worker 0's view of the fits in progress.
pub(crate) struct Coordinator<'j> {
    job: &'j Job,
    peers: usize,
    lloyd: Lloyd,
    balance: Balance,
    fits: Vec<Fit>,
}

impl<'j> Coordinator<'j> {
    pub(crate) fn new(job: &'j Job, peers: usize) -> Self {
        Self {
            job,
            peers,
            lloyd: Lloyd::new(&job.plan),
            balance: Balance::new(job.chunks(), peers),
            fits: Vec::new(),
        }
    }

    /// Every fit of the job, once every worker is set up.
    pub(crate) fn run(
        mut self,
        wire: &mut Wire<'_>,
        chunks: &mut Chunks,
    ) -> Result<Vec<Fit>, DistributedError> {
        let everyone = Expected {
            labels: 0,
            workers: self.peers,
        };
        wire.collect(everyone)?;
        loop {
            if let Some(before_each) = &self.job.before_each {
                before_each(self.fits.len());
            }
            while self.lloyd.running() {
                self.pass(wire, chunks)?;
            }
            let more = self.fits.len() + 1 < self.job.fits;
            let fit = self.finish(wire, chunks, more)?;
            self.fits.push(fit);
            if !more {
                return Ok(self.fits);
            }
            self.lloyd = Lloyd::new(&self.job.plan);
            self.balance = Balance::new(self.job.chunks(), self.peers);
        }
    }

    /// One pass: the centers and the split out, worker 0's own share, every worker's
    /// partial sums in, the update and the next split.
    fn pass(&mut self, wire: &mut Wire<'_>, chunks: &mut Chunks) -> Result<(), DistributedError> {
        self.lloyd.begin_pass();
        let started = Instant::now();
        let lists = self.balance.lists();
        // Worker 0 goes on as soon as it has what it needs, without waiting on workers
        // with nothing to send.
        let expected = Expected {
            labels: 0,
            workers: lists.iter().filter(|l| !l.is_empty()).count(),
        };
        wire.send_command(Command::Assign {
            centers: self.lloyd.centers().to_vec(),
            shape: self.job.shape(),
            chunks: lists.to_vec(),
        });
        serve(wire, chunks, self.job)?;
        // Replies already here when worker 0 first looks give only a bound on their delay.
        wire.step();
        let looked = Instant::now();
        let replies = wire.collect(expected)?;
        // The first pass's delays include the connections' warming up.
        let timing = (self.lloyd.iterations() > 0).then_some((started, looked));
        let (k, d) = (self.job.plan.k(), self.job.source.d());
        let centers = self.lloyd.begin_update();
        let shape = (self.job.chunks(), k, d);
        let partials = gather(&replies, shape, &mut self.balance, timing)?;
        self.balance.rebalance();
        // Every chunk's partials, added in chunk order.
        update_from_partials(partials, centers);
        self.lloyd.end_pass();
        Ok(())
    }

    /// The fit's end: every chunk's labels and inertia, in chunk order, into the fit.
    fn finish(
        &mut self,
        wire: &mut Wire<'_>,
        chunks: &mut Chunks,
        more: bool,
    ) -> Result<Fit, DistributedError> {
        let n_chunks = self.job.chunks();
        wire.send_command(Command::Finish { more });
        serve(wire, chunks, self.job)?;
        wire.step();
        let expected = Expected {
            labels: n_chunks,
            workers: 0,
        };
        let mut labels = vec![Vec::new(); n_chunks];
        let mut inertias = vec![0.0; n_chunks];
        for (reply, _) in wire.collect(expected)? {
            if let Reply::Labels(chunk) = reply {
                labels[chunk.chunk] = chunk.labels;
                inertias[chunk.chunk] = chunk.inertia;
            }
        }
        let inertia = inertias.iter().fold(0.0, |a, b| a + b);
        let lloyd = std::mem::replace(&mut self.lloyd, Lloyd::new(&self.job.plan));
        let details = Details::new(self.facts());
        Ok(lloyd.finish(labels.concat(), inertia, details, Evaluations::AllPairs))
    }

    fn facts(&self) -> DistributedFacts {
        DistributedFacts {
            balance: self.balance.facts(),
            processes: self.job.processes,
            workers_per_process: self.peers / self.job.processes,
            chunk_rows: self.job.chunk_rows,
            chunks: self.job.chunks(),
            source: match self.job.source {
                Source::Memory { .. } => SourceKind::Memory,
                Source::File { .. } => SourceKind::File,
            },
        }
    }
}

/// Every chunk's partial sums from the workers' replies, in chunk order, for
/// `(chunks, k, d)`: `k × d` sums and `k` counts a chunk. Each worker's time and, given
/// the pass's start and when worker 0 first looked (`timing`), its reply's delay go to
/// the balance.
fn gather<'r>(
    replies: &'r [Received],
    (n_chunks, k, d): (usize, usize, usize),
    balance: &mut Balance,
    timing: Option<(Instant, Instant)>,
) -> Result<Vec<Partial<'r>>, DistributedError> {
    let mut partials: Vec<Option<Partial<'r>>> = vec![None; n_chunks];
    for (reply, arrived) in replies {
        let Reply::Partials(p) = reply else {
            continue;
        };
        if p.sums.len() != p.chunks.len() * k * d || p.counts.len() != p.chunks.len() * k {
            return Err(DistributedError::BadPartials { worker: p.worker });
        }
        let each = p.sums.chunks_exact(k * d).zip(p.counts.chunks_exact(k));
        for (&chunk, (sums, counts)) in p.chunks.iter().zip(each) {
            if let Some(slot) = partials.get_mut(chunk) {
                *slot = Some(Partial { sums, counts });
            }
        }
        balance.record(p.worker, p.seconds);
        if let Some((started, looked)) = timing {
            let delay = (*arrived - started).as_secs_f64() - p.seconds;
            balance.record_delay(p.worker, delay, p.worker == 0 || *arrived > looked);
        }
    }
    match partials.iter().position(Option::is_none) {
        Some(chunk) => Err(DistributedError::MissingPartials { chunk }),
        None => Ok(partials.into_iter().flatten().collect()),
    }
}
