//! The fixed blocks of points every method runs over: made, and passed over, on rayon's
//! threads when the fit is large enough to share (each block writing its own labels);
//! the threads a fit used.

use rayon::prelude::*;

use crate::BLOCK;

/// The blocks of `n` points, each made by `new(start, len)` (on rayon's threads if
/// `parallel`: their allocations are written as they are made, and that is worth
/// sharing), in order.
pub(crate) fn make_blocks<B: Send>(
    n: usize,
    parallel: bool,
    new: impl Fn(usize, usize) -> B + Sync,
) -> Vec<B> {
    let starts: Vec<usize> = (0..n).step_by(BLOCK).collect();
    let new = |&start: &usize| new(start, BLOCK.min(n - start));
    match parallel {
        true => starts.par_iter().map(new).collect(),
        false => starts.iter().map(new).collect(),
    }
}

/// Runs `work` on every block with its [`BLOCK`] labels (on rayon's threads if
/// `parallel`); returns the sum of what the blocks return (the distances they computed).
pub(crate) fn over_blocks<B: Send>(
    blocks: &mut [B],
    labels: &mut [u32],
    parallel: bool,
    work: impl Fn(&mut B, &mut [u32]) -> u64 + Sync,
) -> u64 {
    if parallel {
        let blocks = blocks.par_iter_mut().zip(labels.par_chunks_mut(BLOCK));
        blocks.map(|(block, labels)| work(block, labels)).sum()
    } else {
        let blocks = blocks.iter_mut().zip(labels.chunks_mut(BLOCK));
        blocks.map(|(block, labels)| work(block, labels)).sum()
    }
}

/// The threads a fit runs on.
pub(crate) fn threads(parallel: bool) -> usize {
    match parallel {
        true => rayon::current_num_threads(),
        false => 1,
    }
}
