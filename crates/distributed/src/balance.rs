//! Worker 0's split of the chunks between the workers, pass by pass.

use std::collections::VecDeque;

use serde::Serialize;

use crate::job::home_chunks;

/// How the last pass of a fit was split between the workers, as the fit reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BalanceFacts {
    /// Chunks each worker labelled.
    pub chunks_per_worker: Vec<usize>,
    /// Each worker's measured microseconds per chunk (`None` before it was measured).
    pub us_per_chunk: Vec<Option<f64>>,
    /// Each worker's estimated reply delay, in microseconds.
    pub reply_delay_us: Vec<f64>,
}

/// Worker 0's split of the chunks between the workers, pass by pass. Each worker starts
/// with its own chunks (`c mod W`); after every pass, worker 0 sets how many each gets
/// next so that all their replies reach it at the same time, from two measures per
/// worker:
///
/// - its time per chunk (the median of its last 3 passes), so that a worker on a slower
///   or busier core hands its last chunks to faster ones, as work stealing would;
/// - its *delay*: how much later than its own compute time its reply reached worker 0
///   (the command's and the reply's trips, and the wake-ups on the way). A worker in
///   another process starts later and its reply takes time to come back, so worker 0 —
///   which has no trip to make — keeps enough extra chunks to fill that time instead of
///   waiting idle, and the trips overlap its work. Worker 0's own delay is the time it
///   spends sending the command before it starts computing.
///
/// Which worker labels a chunk changes nothing in the result: a chunk's labels and sums
/// are the same on any worker, and the sums are added in chunk order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Balance {
    /// Each worker's chunks, in order.
    lists: Vec<Vec<usize>>,
    /// Each worker's seconds per chunk in its last few passes (see [`Balance::per_chunk`]).
    per_chunk: Vec<VecDeque<f64>>,
    /// Each worker's last few delay samples, in seconds.
    delays: Vec<VecDeque<f64>>,
}

impl Balance {
    pub(crate) fn new(chunks: usize, workers: usize) -> Self {
        Self {
            lists: Self::home(chunks, workers),
            per_chunk: vec![VecDeque::new(); workers],
            delays: vec![VecDeque::new(); workers],
        }
    }

    /// How the last pass was split, for the fit's facts.
    pub(crate) fn facts(&self) -> BalanceFacts {
        let micros = |x: f64| (x * 1e7).round() / 10.0;
        let workers = 0..self.lists.len();
        BalanceFacts {
            chunks_per_worker: self.lists.iter().map(Vec::len).collect(),
            us_per_chunk: workers
                .clone()
                .map(|w| self.per_chunk(w).map(micros))
                .collect(),
            reply_delay_us: workers.map(|w| micros(self.delay(w))).collect(),
        }
    }

    /// Each worker's chunks of the coming pass, in chunk order.
    pub(crate) fn lists(&self) -> &[Vec<usize>] {
        &self.lists
    }

    fn home(chunks: usize, workers: usize) -> Vec<Vec<usize>> {
        (0..workers)
            .map(|w| home_chunks(chunks, workers, w))
            .collect()
    }

    /// Worker `worker` took `seconds` for its chunks of the last pass.
    pub(crate) fn record(&mut self, worker: usize, seconds: f64) {
        let chunks = self.lists[worker].len();
        if chunks > 0 && seconds > 0.0 {
            let recent = &mut self.per_chunk[worker];
            if recent.len() == 3 {
                recent.pop_front();
            }
            recent.push_back(seconds / chunks as f64);
        }
    }

    /// Worker `worker`'s seconds per chunk, once measured: the median of its last 3
    /// passes, so that one pass on a core taken away for a time slice does not move the
    /// split, while a core that stays slower does within two passes (the last pass
    /// alone until there are 3).
    fn per_chunk(&self, worker: usize) -> Option<f64> {
        let mut recent: Vec<f64> = self.per_chunk[worker].iter().copied().collect();
        if recent.len() < 3 {
            return recent.last().copied();
        }
        recent.sort_by(f64::total_cmp);
        Some(recent[1])
    }

    /// How many delay samples the estimate is the median of: one stalled pass does not
    /// move the split.
    const DELAY_SAMPLES: usize = 5;

    /// Worker `worker`'s estimated delay: the median of its recent samples, or while
    /// there are fewer than 3, the least of them.
    fn delay(&self, worker: usize) -> f64 {
        let mut recent: Vec<f64> = self.delays[worker].iter().copied().collect();
        recent.sort_by(f64::total_cmp);
        let at = if recent.len() < 3 {
            0
        } else {
            recent.len() / 2
        };
        recent.get(at).copied().unwrap_or(0.0)
    }

    /// Worker `worker`'s reply reached worker 0 `seconds` after the command was sent,
    /// less the worker's own compute time. `exact` if worker 0 was waiting for it (or
    /// it is worker 0's own); otherwise the reply was already there when worker 0
    /// looked, and `seconds` is only an upper bound: the sample is then taken below both
    /// it and the estimate (80 % of the lesser), so that worker 0 does not go on keeping
    /// more chunks than the delay needs: it keeps fewer until it waits for a reply again
    /// and measures anew.
    pub(crate) fn record_delay(&mut self, worker: usize, seconds: f64, exact: bool) {
        let seconds = seconds.max(0.0);
        let sample = if exact {
            seconds
        } else {
            0.8 * seconds.min(self.delay(worker))
        };
        let recent = &mut self.delays[worker];
        if recent.len() == Self::DELAY_SAMPLES {
            recent.pop_front();
        }
        recent.push_back(sample);
    }

    /// Splits the chunks so that every worker's reply would reach worker 0 at the same
    /// time `T`: worker `w` gets `(T - delay) / time per chunk` of them ([`Self::shares`]).
    /// Each keeps the first of its own chunks up to its share, and the rest go, in chunk
    /// order, to the workers short of theirs.
    pub(crate) fn rebalance(&mut self) {
        let chunks: usize = self.lists.iter().map(Vec::len).sum();
        let Some(counts) = self.shares(chunks) else {
            return;
        };
        let workers = self.lists.len();
        let mut lists = Self::home(chunks, workers);
        let mut spare: Vec<usize> = Vec::new();
        for (list, &count) in lists.iter_mut().zip(&counts) {
            if list.len() > count {
                spare.extend(list.drain(count..));
            }
        }
        spare.sort_unstable();
        let mut spare = spare.into_iter();
        for (list, &count) in lists.iter_mut().zip(&counts) {
            while list.len() < count {
                list.push(spare.next().expect("the counts add up to the chunks"));
            }
            list.sort_unstable();
        }
        self.lists = lists;
    }

    /// How many of the `chunks` each worker gets next, once every worker was measured.
    fn shares(&self, chunks: usize) -> Option<Vec<usize>> {
        let workers = self.lists.len();
        let times = (0..workers)
            .map(|w| self.per_chunk(w))
            .collect::<Option<Vec<f64>>>()?;
        let speeds: Vec<f64> = times.iter().map(|t| 1.0 / t).collect();
        let rate: f64 = speeds.iter().sum();
        // A delay counts for at most a quarter of a pass without delays: a stall of a few
        // milliseconds now and then is not a trip to plan every pass around. (So every
        // delay is below `T`, and every worker gets a share.)
        let cap = 0.25 * chunks as f64 / rate;
        let delay: Vec<f64> = (0..workers).map(|w| self.delay(w).min(cap)).collect();
        let lead: f64 = delay.iter().zip(&speeds).map(|(d, s)| d * s).sum();
        let t = (chunks as f64 + lead) / rate;
        let exact: Vec<f64> = (0..workers).map(|w| (t - delay[w]) * speeds[w]).collect();
        let mut counts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
        // The chunks left by rounding down go to the largest remainders.
        let mut by_remainder: Vec<usize> = (0..workers).collect();
        by_remainder.sort_by(|&a, &b| {
            let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
            rb.total_cmp(&ra).then(a.cmp(&b))
        });
        let short = chunks - counts.iter().sum::<usize>();
        for &w in by_remainder.iter().take(short) {
            counts[w] += 1;
        }
        // Every worker keeps a chunk, so that it is measured again: one slow pass (its
        // core taken away for a time slice) must not shut it out for the rest of the fit.
        if chunks >= workers {
            while let Some(idle) = counts.iter().position(|&c| c == 0) {
                let busiest = (0..workers).max_by_key(|&w| counts[w]).expect("workers");
                counts[busiest] -= 1;
                counts[idle] += 1;
            }
        }
        Some(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::Balance;

    #[test]
    fn a_worker_measured_very_slow_keeps_a_chunk_and_is_measured_again() {
        let mut b = Balance::new(8, 4);
        for (w, seconds) in [(0, 2.0), (1, 0.0002), (2, 0.0002), (3, 0.0002)] {
            b.record(w, seconds);
        }
        b.rebalance();
        assert_eq!(b.lists[0].len(), 1, "{:?}", b.lists);
        all_once(&b, 8);
        // It is fast again: it gets its share back.
        for _ in 0..6 {
            for w in 0..4 {
                b.record(w, 0.0001 * b.lists[w].len() as f64);
            }
            b.rebalance();
        }
        assert_eq!(
            b.lists.iter().map(Vec::len).collect::<Vec<_>>(),
            [2, 2, 2, 2]
        );
    }

    fn all_once(b: &Balance, chunks: usize) {
        let mut seen: Vec<usize> = b.lists.concat();
        seen.sort_unstable();
        assert_eq!(seen, (0..chunks).collect::<Vec<_>>());
    }

    #[test]
    fn equal_workers_keep_their_own_chunks() {
        let mut b = Balance::new(10, 3);
        assert_eq!(
            b.lists,
            vec![vec![0, 3, 6, 9], vec![1, 4, 7], vec![2, 5, 8]]
        );
        b.rebalance(); // nothing measured yet: no change
        let home = b.lists.clone();
        for (w, list) in home.iter().enumerate() {
            b.record(w, 0.001 * list.len() as f64);
        }
        b.rebalance();
        assert_eq!(b.lists, home);
    }

    #[test]
    fn a_slower_worker_hands_its_last_chunks_to_a_faster_one() {
        let mut b = Balance::new(12, 2);
        b.record(0, 0.006); // 1 ms a chunk
        b.record(1, 0.012); // 2 ms a chunk
        b.rebalance();
        all_once(&b, 12);
        assert_eq!(b.lists[0].len(), 8);
        assert_eq!(b.lists[1], vec![1, 3, 5, 7]);
        assert_eq!(b.lists[0], vec![0, 2, 4, 6, 8, 9, 10, 11]);
        // Both at 1 ms a chunk now: the split evens out.
        b.record(0, 0.008);
        b.record(1, 0.004);
        b.rebalance();
        all_once(&b, 12);
        let sizes = |b: &Balance| b.lists.iter().map(Vec::len).collect::<Vec<_>>();
        assert_eq!(sizes(&b), vec![6, 6]);
        // From 3 passes on the median counts: one slow pass of worker 1 (its core
        // taken away for a while) does not move the split.
        for worker_1 in [0.006, 0.060] {
            b.record(0, 0.006);
            b.record(1, worker_1);
            b.rebalance();
            assert_eq!(sizes(&b), vec![6, 6]);
        }
    }

    #[test]
    fn worker_0_keeps_enough_chunks_to_cover_a_remote_workers_delay() {
        let mut b = Balance::new(40, 2);
        b.record(0, 0.020); // 1 ms a chunk each
        b.record(1, 0.020);
        // Worker 1's reply comes 4 ms after its compute, three times in a row.
        for _ in 0..3 {
            b.record_delay(1, 0.004, true);
        }
        b.rebalance();
        all_once(&b, 40);
        // Both replies at worker 0 after 22 ms: 22 chunks, and 18 + 4 ms.
        assert_eq!(
            b.lists.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![22, 18]
        );

        // A reply already there when worker 0 looked only bounds the delay: the estimate
        // shrinks, sample by sample, and worker 0 hands chunks back until it waits again.
        let mut kept = Vec::new();
        for _ in 0..4 {
            b.record_delay(1, 0.002, false);
            b.rebalance();
            all_once(&b, 40);
            kept.push(b.lists[0].len());
        }
        assert_eq!(kept, vec![22, 22, 21, 21]);
    }

    #[test]
    fn a_stall_counts_for_at_most_a_quarter_of_a_pass() {
        let mut b = Balance::new(40, 2);
        b.record(0, 0.020);
        b.record(1, 0.020);
        // Stalls of 50 ms: worker 1 still gets most of its share, not none.
        for _ in 0..3 {
            b.record_delay(1, 0.050, true);
        }
        b.rebalance();
        all_once(&b, 40);
        // The cap is a quarter of the 20 ms pass: 5 ms, as if the delay were 5 ms.
        assert_eq!(b.lists[1].len(), 18 - 1);
    }

    #[test]
    fn one_outlier_does_not_move_the_split() {
        let mut b = Balance::new(40, 2);
        b.record(0, 0.020);
        b.record(1, 0.020);
        for sample in [0.002, 0.030, 0.002] {
            b.record_delay(1, sample, true);
        }
        b.rebalance();
        // The median, 2 ms: 21 and 19.
        assert_eq!(
            b.lists.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![21, 19]
        );
    }
}
