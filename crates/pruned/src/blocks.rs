//! The fixed blocks of points every method runs over: a pass over all of them, on
//! rayon's threads when the fit is large enough to share, each block writing its own
//! labels; the threads a fit used.

use rayon::prelude::*;

use crate::BLOCK;

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
