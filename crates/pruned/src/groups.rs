//! The centers cut into groups, for bounds kept per group (Yinyang, Elkan): chosen once,
//! at the start of a fit, by clustering the initial centers (Ding et al.'s Yinyang
//! k-means does the same), and laid out anew each pass for the scans.

use ladder_core::{Points, update_means};
use ladder_parallel::GroupedCenters;

/// Iterations of the clustering of the initial centers into groups.
const GROUPING_PASSES: usize = 5;

/// About `t` groups of the `k × d` `centers` (each a list of center indices, ascending;
/// every center in one group, none empty), balanced: every group holds at most
/// `ceil(k / t)` centers rounded up to a multiple of 4, the width of the scans, so that
/// the scans waste no slots on padding. Lloyd's passes over the centers with that
/// capacity (each center joins the nearest group with room, nearest pairs first),
/// started from centers spread by farthest-first traversal, the lowest index on a tie:
/// the same grouping on every machine.
pub(crate) fn group_centers(centers: &[f64], d: usize, t: usize) -> Vec<Vec<u32>> {
    let k = centers.len() / d;
    let t = t.clamp(1, k);
    if t == k {
        return (0..k as u32).map(|j| vec![j]).collect();
    }
    let capacity = k.div_ceil(t).next_multiple_of(4).min(k);
    let t = k.div_ceil(capacity);
    let points = Points::new(centers, d).expect("whole rows of centers");
    let mut seeds = farthest_first(points, t);
    let mut labels = vec![0u32; k];
    for _ in 0..GROUPING_PASSES {
        fill_nearest_first(points, &seeds, capacity, &mut labels);
        update_means(points, &labels, &mut seeds);
    }
    let mut groups = vec![Vec::new(); t];
    for (j, &g) in labels.iter().enumerate() {
        groups[g as usize].push(j as u32);
    }
    groups.retain(|g| !g.is_empty());
    groups
}

/// Each center's group: the nearest of `seeds` that still has room for `capacity`,
/// taking the (center, seed) pairs nearest first (ties: the lower center, then the
/// lower seed).
fn fill_nearest_first(points: Points<'_>, seeds: &[f64], capacity: usize, labels: &mut [u32]) {
    let d = points.d();
    let mut pairs: Vec<(f64, u32, u32)> = Vec::with_capacity(labels.len() * seeds.len() / d);
    for (j, c) in points.rows().enumerate() {
        for (g, seed) in seeds.chunks_exact(d).enumerate() {
            pairs.push((ladder_core::sq_dist(c, seed), j as u32, g as u32));
        }
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut fill = vec![0; seeds.len() / d];
    labels.fill(u32::MAX);
    for (_, j, g) in pairs {
        if labels[j as usize] == u32::MAX && fill[g as usize] < capacity {
            labels[j as usize] = g;
            fill[g as usize] += 1;
        }
    }
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
    /// For the sparse scans of a group's centers: the centers in group order, row-major.
    pub(crate) rows: Vec<f64>,
    /// Each of those rows' center.
    pub(crate) members: Vec<u32>,
    /// Where each group's rows start (`groups + 1` values).
    pub(crate) starts: Vec<usize>,
}

impl PassGroups {
    /// The `k × d` `centers` of this pass, cut into `groups`.
    pub(crate) fn new(centers: &[f64], d: usize, groups: &[Vec<u32>]) -> Self {
        let (mut rows, mut members, mut starts) = (Vec::new(), Vec::new(), vec![0]);
        for group in groups {
            for &j in group {
                rows.extend_from_slice(&centers[j as usize * d..(j as usize + 1) * d]);
                members.push(j);
            }
            starts.push(members.len());
        }
        Self {
            grouped: GroupedCenters::new(centers, d, groups),
            rows,
            members,
            starts,
        }
    }

    /// Group `g`'s centers, row-major, and which center each is.
    pub(crate) fn group(&self, g: usize, d: usize) -> (&[f64], &[u32]) {
        let range = self.starts[g]..self.starts[g + 1];
        (
            &self.rows[range.start * d..range.end * d],
            &self.members[range],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_cover_every_center_once_and_gather_neighbours() {
        // Two tight clumps of centers on a line, 4 and 5 of them.
        let centers: Vec<f64> = [0.0, 0.1, 10.0, 0.2, 10.1, 10.3, 0.3, 10.2, 10.4]
            .iter()
            .flat_map(|&x| [x, 0.0])
            .collect();
        let groups = group_centers(&centers, 2, 2);
        let mut all: Vec<u32> = groups.concat();
        all.sort_unstable();
        assert_eq!(all, (0..9).collect::<Vec<_>>());
        // At most 8 a group (9 / 2 rounded up to a multiple of 4): each clump whole.
        let mut sorted = groups.clone();
        sorted.sort();
        assert_eq!(sorted, vec![vec![0, 1, 3, 6], vec![2, 4, 5, 7, 8]]);
        // Asked for 3: at most 4 a group, so the larger clump is split.
        let groups = group_centers(&centers, 2, 3);
        assert!(groups.iter().all(|g| g.len() <= 4), "{groups:?}");
        assert!(groups.contains(&vec![0, 1, 3, 6]), "{groups:?}");
        assert_eq!(group_centers(&centers, 2, 9).len(), 9);
        assert_eq!(
            group_centers(&centers, 2, 1),
            vec![(0..9).collect::<Vec<_>>()]
        );
    }
}
