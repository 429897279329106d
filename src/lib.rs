//! kmeans-ladder: Lloyd's k-means made faster rung by rung, and measured honestly.
//!
//! This root package owns the workspace's benchmarks (`benches/`) and re-exports the
//! crates they use, so that a bench reads `kmeans_ladder::core::...`:
//!
//! - [`core`]: the `Stage` trait, the contract of a fit, validation, init, the driver;
//! - [`blobs`]: `make_blobs` (numpy-exact or fast) and `.npy` / CSV I/O;
//! - [`harness`]: the stage registry, timed fits and the `ladder` CLI;
//! - [`naive`], [`vectorized`], [`spatial_tree`], [`parallel`], [`pruned`], [`distributed`]:
//!   the rungs.

#![warn(missing_docs)]

pub use ladder_blobs as blobs;
pub use ladder_core as core;
pub use ladder_distributed as distributed;
pub use ladder_harness as harness;
pub use ladder_naive as naive;
pub use ladder_parallel as parallel;
pub use ladder_pruned as pruned;
pub use ladder_spatial_tree as spatial_tree;
pub use ladder_vectorized as vectorized;
