//! What every worker does: set up its chunks, then serve worker 0's commands — label its
//! chunks of a pass and send their partial sums, or send their labels as a fit ends.
//! Worker 0 serves its own commands too, between coordinating ([`crate::coordinator`]).

use std::time::Instant;

use ladder_core::Fit;
use timely::worker::Worker;

use crate::DistributedError;
use crate::chunks::Chunks;
use crate::coordinator::Coordinator;
use crate::job::Job;
use crate::protocol::{Command, Partials, Reply, Shape, WorkerFailure};
use crate::wire::Wire;

/// One worker's whole run; worker 0 returns the fits, the others nothing.
pub(crate) fn run(worker: &mut Worker, job: &Job) -> Result<Vec<Fit>, DistributedError> {
    let mut wire = Wire::new(worker, job);
    let (index, peers) = (wire.index(), wire.peers());
    // Every worker lays out its chunks, and says so, before worker 0 starts the first
    // pass: a process still setting up does not count as a slow first pass.
    let mut chunks = match Chunks::new(job, index, peers) {
        Ok(chunks) => {
            wire.deliver(vec![Reply::Ready]);
            chunks
        }
        Err(e) => {
            // Timely delivers the failure before the worker shuts down.
            let reason = e.to_string();
            wire.deliver(vec![Reply::Failed(WorkerFailure::Read {
                worker: index,
                reason,
            })]);
            return Err(e.into());
        }
    };
    if index == 0 {
        return Coordinator::new(job, peers).run(&mut wire, &mut chunks);
    }
    loop {
        // Timely delivers the last replies before the worker shuts down.
        if let Served::Finished { more: false } = serve(&mut wire, &mut chunks, job)? {
            return Ok(Vec::new());
        }
    }
}

/// What a served command was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Served {
    /// A pass: the partial sums are sent.
    Pass,
    /// The fit's end: the labels are sent; with `more`, another fit follows.
    Finished { more: bool },
}

/// Waits for worker 0's next command, does this worker's share and sends its replies.
pub(crate) fn serve(
    wire: &mut Wire<'_>,
    chunks: &mut Chunks,
    job: &Job,
) -> Result<Served, DistributedError> {
    let (index, peers) = (wire.index(), wire.peers());
    let (replies, served) = match wire.next_command()? {
        Command::Assign {
            centers,
            shape,
            chunks: lists,
        } => {
            let replies = assign(index, peers, chunks, job, &centers, shape, &lists);
            (replies, Served::Pass)
        }
        Command::Finish { more } => {
            let replies = match chunks.finish(job) {
                Ok(labels) => labels.into_iter().map(Reply::Labels).collect(),
                Err(e) => vec![Reply::Failed(WorkerFailure::Read {
                    worker: index,
                    reason: e.to_string(),
                })],
            };
            (replies, Served::Finished { more })
        }
    };
    wire.deliver(replies);
    if served == (Served::Finished { more: true }) {
        chunks.reset(job);
    }
    Ok(served)
}

/// This worker's share of a pass: its chunks in `lists`, labelled against `centers`.
fn assign(
    index: usize,
    peers: usize,
    chunks: &mut Chunks,
    job: &Job,
    centers: &[f64],
    shape: Shape,
    lists: &[Vec<usize>],
) -> Vec<Reply> {
    let mine = job.shape();
    if shape != mine {
        let failure = WorkerFailure::ShapeMismatch {
            worker: index,
            mine,
            theirs: shape,
        };
        return vec![Reply::Failed(failure)];
    }
    if lists.len() != peers {
        let failure = WorkerFailure::SplitMismatch {
            worker: index,
            got: lists.len(),
            peers,
        };
        return vec![Reply::Failed(failure)];
    }
    let ids = &lists[index];
    let started = Instant::now();
    match chunks.assign(job, centers, ids) {
        // A worker without chunks has nothing to say.
        Ok(_) if ids.is_empty() => Vec::new(),
        Ok((sums, counts)) => vec![Reply::Partials(Partials {
            worker: index,
            seconds: started.elapsed().as_secs_f64(),
            chunks: ids.clone(),
            sums,
            counts,
        })],
        Err(e) => vec![Reply::Failed(WorkerFailure::Read {
            worker: index,
            reason: e.to_string(),
        })],
    }
}
