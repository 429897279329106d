//! The kernels alone, on data that stays in the cache, for the `kernels` bench:
//! `parallel`'s single-precision grouped scan of one block of 256 points (what
//! `pruned`'s dense passes run, Yinyang's bounds written afresh) and its exact top-two
//! scan of pending rows (what Hamerly's failing points get). A whole fit on a shared
//! 2-vCPU machine moves by 1.5–2× from one minute to the next; one block scanned
//! thousands of times in a row moves by 3–15 % between runs, so a change inside a kernel
//! of 10 % or more shows here. (Out-of-line stores in the grouped scan, a tenth of its
//! time, showed in a cached block's minimum over many runs and in no whole fit.)

use ladder_core::Points;
use ladder_parallel::{
    BoundsGroup, GroupedCenters, GroupedOut, Kernels, LANES, NarrowLayout, Pending, Top2Gaps,
};

use crate::workloads::Workload;

/// Points a dense pass of `pruned` scans at a time.
pub const BLOCK: usize = 256;

/// Pending rows a top-two case scans.
pub const PENDING: usize = 1024;

/// Centers a group holds at most, as `pruned` groups them.
const GROUP: usize = 16;

/// `n` points of the grid's kind ([`Workload::grid`]'s blobs: `k` of them, `d`
/// features, standard deviation 1).
fn blobs(n: usize, k: usize, d: usize) -> Vec<f64> {
    let workload = Workload {
        name: "kernels",
        about: "a kernel's cached block",
        n,
        d,
        k,
        blobs: k,
        std: 1.0,
        iterations: None,
    };
    workload.points().as_slice().to_vec()
}

/// One block's grouped scan: 256 of the grid's kind of points against `k` centers (the
/// last `k` of the same blobs, as the fits' last-k init takes them) cut into groups of
/// 16 by index, and where the scan writes.
pub struct GroupedCase {
    rows: Vec<f64>,
    centers: GroupedCenters,
    layout: NarrowLayout,
    bounds: Vec<BoundsGroup>,
    lowers: Vec<f32>,
    upper_offset: Vec<f64>,
    lower_offset: Vec<f64>,
}

impl GroupedCase {
    /// The case for `d` features and `k` centers; `None` where the single-precision scan
    /// does not run (fewer than 8 features, or a CPU without vector FMA).
    pub fn new(d: usize, k: usize) -> Option<Self> {
        let mut layout = NarrowLayout::new(d)?;
        let all = blobs(BLOCK + k, k, d);
        let (rows, centers) = all.split_at(BLOCK * d);
        layout.fill(Points::new(rows, d).expect("whole rows"));
        let groups: Vec<Vec<u32>> = (0..k as u32)
            .collect::<Vec<_>>()
            .chunks(GROUP)
            .map(<[u32]>::to_vec)
            .collect();
        let t = groups.len();
        Some(Self {
            rows: rows.to_vec(),
            centers: GroupedCenters::new(centers, d, &groups),
            layout,
            bounds: vec![BoundsGroup::PADDING; BLOCK / LANES],
            lowers: vec![0.0; BLOCK * t],
            upper_offset: vec![0.0; k.next_multiple_of(LANES)],
            lower_offset: vec![0.0; t],
        })
    }

    /// Scans the block: every label and bound afresh.
    pub fn scan(&mut self) {
        let out = GroupedOut {
            bounds: &mut self.bounds,
            lowers: &mut self.lowers,
            upper_offset: &self.upper_offset,
            global_offset: &self.upper_offset,
            lower_offset: &self.lower_offset,
            slack: 1e-12,
        };
        if self
            .layout
            .scan_grouped(&self.rows, &self.centers, out)
            .is_err()
        {
            panic!("blob points are far inside the single-precision scan's range");
        }
    }
}

/// Hamerly's scan of failing points: [`PENDING`] rows, every `step`-th of the grid's
/// kind of points (scattered through `step` times their bytes), against `k` centers,
/// with their gaps written as the bounds are kept.
pub struct Top2Case {
    rows: Vec<f64>,
    d: usize,
    centers: Vec<f64>,
    idx: Vec<u32>,
    offsets: Vec<f64>,
    labels: Vec<u32>,
    gap: Vec<f32>,
    scratch: Vec<f64>,
    kernels: Kernels,
}

impl Top2Case {
    /// The case for `d` features, `k` centers and rows `step` apart.
    pub fn new(d: usize, k: usize, step: usize) -> Self {
        let n = PENDING * step;
        let all = blobs(n + k, k, d);
        let (rows, centers) = all.split_at(n * d);
        Self {
            rows: rows.to_vec(),
            d,
            centers: centers.to_vec(),
            idx: (0..n as u32).step_by(step).collect(),
            offsets: vec![0.0; k.next_multiple_of(LANES)],
            labels: vec![0; PENDING],
            gap: vec![0.0; PENDING],
            scratch: vec![0.0; 2 * LANES * d],
            kernels: Kernels::detect(),
        }
    }

    /// Scans the pending rows: labels and gaps.
    pub fn scan(&mut self) {
        let out = Top2Gaps {
            slack: 1e-12,
            offset: &self.offsets,
            labels: &mut self.labels,
            gap: &mut self.gap,
        };
        let pending = Pending {
            rows: &self.rows,
            idx: &self.idx,
        };
        let (centers, d) = (&self.centers, self.d);
        self.kernels
            .top2_gaps(pending, centers, d, &mut self.scratch, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ladder_core::nearest;

    #[test]
    fn the_cases_find_the_contracts_nearest_centers() {
        if let Some(mut case) = GroupedCase::new(16, 40) {
            case.scan();
            let labels: Vec<u32> = case.bounds.iter().flat_map(|b| b.labels).collect();
            let original: Vec<f64> = blobs(BLOCK + 40, 40, 16)[BLOCK * 16..].to_vec();
            for (row, &label) in case.rows.chunks_exact(16).zip(&labels) {
                assert_eq!(label, nearest(row, &original).0);
            }
        }
        let mut case = Top2Case::new(2, 10, 3);
        case.scan();
        for (&i, &label) in case.idx.iter().zip(&case.labels) {
            let row = &case.rows[i as usize * 2..(i as usize + 1) * 2];
            assert_eq!(label, nearest(row, &case.centers).0);
        }
        assert!(case.gap.iter().all(|g| g.is_finite()));
    }
}
