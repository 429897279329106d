//! `parallel`'s kernels alone, per point, on data that stays in the cache
//! (`kmeans_ladder::harness::kernels`): the single-precision grouped scan of one block of
//! 256 points, as `pruned`'s dense passes run it, at the grid's d = 16, k = 100 and
//! d = 64, k = 256; and the exact top-two scan of 1024 pending rows, as Hamerly's
//! failing points get it, at d = 2, k = 10 (rows side by side, and 8 apart) and d = 16,
//! k = 16. Whole fits on a shared machine move too much to see a change inside a kernel;
//! these move by 3–15 % between runs of the same code.
//!
//! `cargo bench --bench kernels`; criterion's statistics land in
//! `target/criterion/kernels`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use kmeans_ladder::harness::kernels::{BLOCK, GroupedCase, PENDING, Top2Case};
use kmeans_ladder::harness::memory::Counting;

/// The harness's allocator (mimalloc), as the `ladder` CLI and every bench run on.
#[global_allocator]
static ALLOC: Counting = Counting;

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("kernels");
    group.throughput(Throughput::Elements(BLOCK as u64));
    for (d, k) in [(16, 100), (64, 256)] {
        let Some(mut case) = GroupedCase::new(d, k) else {
            eprintln!("kernels: no single-precision scan on this CPU; grouped cases skipped");
            break;
        };
        let id = BenchmarkId::new("grouped-narrow", format!("d={d} k={k}"));
        group.bench_function(id, |b| b.iter(|| black_box(&mut case).scan()));
    }
    group.throughput(Throughput::Elements(PENDING as u64));
    for (d, k, step) in [(2, 10, 1), (2, 10, 8), (16, 16, 1)] {
        let mut case = Top2Case::new(d, k, step);
        let id = BenchmarkId::new("top2-gaps", format!("d={d} k={k} step={step}"));
        group.bench_function(id, |b| b.iter(|| black_box(&mut case).scan()));
    }
    group.finish();
    c.final_summary();
}
