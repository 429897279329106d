//! The centers cut into groups, for bounds kept per group (Yinyang, Elkan): chosen once,
//! at the start of a fit, by clustering the initial centers (Ding et al.'s Yinyang
//! k-means does the same), and laid out anew each pass for the scans.

use ladder_core::{Points, nearest, update_means};
use ladder_parallel::{GroupedCenters, Layout};

/// Iterations of the clustering of the initial centers into groups.
const GROUPING_PASSES: usize = 5;

/// `t` groups of the `k × d` `centers` (each a list of center indices, ascending;
/// every center in one group, none empty): Lloyd's passes over the centers, started from
/// centers spread by farthest-first traversal (the lowest index on a tie), so the
/// grouping is the same on every machine.
pub(crate) fn group_centers(centers: &[f64], d: usize, t: usize) -> Vec<Vec<u32>> {
    let k = centers.len() / d;
    let t = t.clamp(1, k);
    if t == k {
        return (0..k as u32).map(|j| vec![j]).collect();
    }
    let points = Points::new(centers, d).expect("whole rows of centers");
    let mut seeds = farthest_first(points, t);
    let mut labels = vec![0u32; k];
    for _ in 0..GROUPING_PASSES {
        for (label, c) in labels.iter_mut().zip(points.rows()) {
            *label = nearest(c, &seeds).0;
        }
        update_means(points, &labels, &mut seeds);
    }
    let mut groups = vec![Vec::new(); t];
    for (j, &g) in labels.iter().enumerate() {
        groups[g as usize].push(j as u32);
    }
    groups.retain(|g| !g.is_empty());
    groups
}

/// `t` rows of `points`: the first, then each time the one farthest from those chosen.
fn farthest_first(points: Points<'_>, t: usize) -> Vec<f64> {
    let d = points.d();
    let mut chosen = points.row(0).to_vec();
    let mut far: Vec<f64> = points
        .rows()
        .map(|c| ladder_core::sq_dist(c, points.row(0)))
        .collect();
    while chosen.len() < t * d {
        let (next, _) =
            far.iter().enumerate().fold(
                (0, -1.0),
                |best, (j, &f)| if f > best.1 { (j, f) } else { best },
            );
        chosen.extend_from_slice(points.row(next));
        for (f, c) in far.iter_mut().zip(points.rows()) {
            *f = f.min(ladder_core::sq_dist(c, points.row(next)));
        }
    }
    chosen
}

/// The groups as one pass's scans want them.
pub(crate) struct PassGroups {
    /// For the dense scans of whole blocks.
    pub(crate) grouped: GroupedCenters,
    /// For one point's distances to a group's centers: the centers in group order, each
    /// group padded to a multiple of 8 slots (with rows at +∞), laid out 8 at a time.
    pub(crate) layout: Layout,
    /// Each slot's center (`u32::MAX` for padding).
    pub(crate) slots: Vec<u32>,
    /// Where each group's slots start, in groups of 8 slots (`groups + 1` values).
    pub(crate) starts: Vec<usize>,
}

impl PassGroups {
    /// The `k × d` `centers` of this pass, cut into `groups`.
    pub(crate) fn new(centers: &[f64], d: usize, groups: &[Vec<u32>]) -> Self {
        let (mut rows, mut slots, mut starts) = (Vec::new(), Vec::new(), vec![0]);
        for members in groups {
            for &j in members {
                rows.extend_from_slice(&centers[j as usize * d..(j as usize + 1) * d]);
                slots.push(j);
            }
            while slots.len() % 8 != 0 {
                rows.extend(std::iter::repeat_n(f64::INFINITY, d));
                slots.push(u32::MAX);
            }
            starts.push(slots.len() / 8);
        }
        let layout = Layout::new(Points::new(&rows, d).expect("whole rows"));
        Self {
            grouped: GroupedCenters::new(centers, d, groups),
            layout,
            slots,
            starts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_cover_every_center_once_and_gather_neighbours() {
        // Three tight clumps of centers on a line.
        let centers: Vec<f64> = [0.0, 0.1, 10.0, 0.2, 10.1, 20.0, 20.1, 10.2]
            .iter()
            .flat_map(|&x| [x, 0.0])
            .collect();
        let groups = group_centers(&centers, 2, 3);
        let mut all: Vec<u32> = groups.concat();
        all.sort_unstable();
        assert_eq!(all, (0..8).collect::<Vec<_>>());
        let mut sorted = groups.clone();
        sorted.sort();
        assert_eq!(sorted, vec![vec![0, 1, 3], vec![2, 4, 7], vec![5, 6]]);
        assert_eq!(group_centers(&centers, 2, 8).len(), 8);
        assert_eq!(
            group_centers(&centers, 2, 1),
            vec![(0..8).collect::<Vec<_>>()]
        );
    }
}
