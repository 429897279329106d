//! What the study's cells say: each stage's cost exponents in n, k and d (a least-squares
//! fit of `ln t = a + b ln n + c ln k + e ln d` over its measured cells, with R²), and
//! the fastest stage for each (d, k) at the largest n where two or more were measured.

use serde::{Deserialize, Serialize};

use super::Cell;

/// One stage's fitted cost: time per pass ∝ n^n_exp · k^k_exp · d^d_exp.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exponents {
    /// The stage.
    pub stage: String,
    /// The exponent of n.
    pub n: f64,
    /// The exponent of k.
    pub k: f64,
    /// The exponent of d.
    pub d: f64,
    /// The fit's R² on ln t.
    pub r2: f64,
    /// Cells the fit rests on.
    pub cells: usize,
}

/// The fastest stage at one (d, k).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Winner {
    /// Features.
    pub d: usize,
    /// Clusters.
    pub k: usize,
    /// The largest n at which two or more stages were measured.
    pub n: usize,
    /// The fastest there.
    pub stage: String,
    /// Its median seconds per pass.
    pub seconds: f64,
    /// The runner-up.
    pub runner_up: String,
    /// The runner-up's time over the winner's.
    pub margin: f64,
}

/// Each stage's exponents, for the stages with enough measured cells (more than the four
/// parameters) spread over n, k and d.
pub fn exponents(cells: &[Cell]) -> Vec<Exponents> {
    let mut stages: Vec<&str> = Vec::new();
    for c in cells {
        if !stages.contains(&c.stage.as_str()) {
            stages.push(&c.stage);
        }
    }
    stages
        .into_iter()
        .filter_map(|stage| {
            let rows: Vec<([f64; 4], f64)> = cells
                .iter()
                .filter(|c| c.stage == stage)
                .filter_map(|c| {
                    let t = c.median()?;
                    let x = [1.0, (c.n as f64).ln(), (c.k as f64).ln(), (c.d as f64).ln()];
                    Some((x, t.ln()))
                })
                .collect();
            let (beta, r2) = least_squares(&rows)?;
            Some(Exponents {
                stage: stage.into(),
                n: beta[1],
                k: beta[2],
                d: beta[3],
                r2,
                cells: rows.len(),
            })
        })
        .collect()
}

/// The least-squares coefficients of `y ≈ x·β` and R², by the normal equations; `None`
/// when they do not determine β (too few or too alike rows).
fn least_squares(rows: &[([f64; 4], f64)]) -> Option<([f64; 4], f64)> {
    if rows.len() <= 4 {
        return None;
    }
    let mut a = [[0.0; 5]; 4];
    for (x, y) in rows {
        for i in 0..4 {
            for j in 0..4 {
                a[i][j] += x[i] * x[j];
            }
            a[i][4] += x[i] * y;
        }
    }
    let beta = solve(a)?;
    let mean = rows.iter().map(|r| r.1).sum::<f64>() / rows.len() as f64;
    let (mut residual, mut total) = (0.0, 0.0);
    for (x, y) in rows {
        let fitted: f64 = x.iter().zip(&beta).map(|(x, b)| x * b).sum();
        residual += (y - fitted).powi(2);
        total += (y - mean).powi(2);
    }
    let r2 = if total > 0.0 {
        1.0 - residual / total
    } else {
        1.0
    };
    Some((beta, r2))
}

/// Gaussian elimination with partial pivoting on the augmented 4 × 5 system.
fn solve(mut a: [[f64; 5]; 4]) -> Option<[f64; 4]> {
    for col in 0..4 {
        let pivot = (col..4).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-9 {
            return None; // a parameter that never varies: its exponent is not known
        }
        a.swap(col, pivot);
        let pivot_row = a[col];
        for (r, row) in a.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / pivot_row[col];
                for (x, p) in row.iter_mut().zip(pivot_row).skip(col) {
                    *x -= f * p;
                }
            }
        }
    }
    Some([0, 1, 2, 3].map(|i| a[i][4] / a[i][i]))
}

/// For each (d, k), in the order first measured: the fastest stage at the largest n
/// where at least two stages were measured, and its margin over the runner-up.
pub fn winners(cells: &[Cell]) -> Vec<Winner> {
    let mut lines: Vec<(usize, usize)> = Vec::new();
    for c in cells {
        if !lines.contains(&(c.d, c.k)) {
            lines.push((c.d, c.k));
        }
    }
    lines
        .into_iter()
        .filter_map(|(d, k)| {
            let line = cells.iter().filter(|c| (c.d, c.k) == (d, k));
            let measured = |n: usize| -> Vec<(&str, f64)> {
                let at_n = line.clone().filter(|c| c.n == n);
                at_n.filter_map(|c| Some((c.stage.as_str(), c.median()?)))
                    .collect()
            };
            let n = line
                .clone()
                .map(|c| c.n)
                .filter(|&n| measured(n).len() >= 2)
                .max()?;
            let mut times = measured(n);
            times.sort_by(|a, b| a.1.total_cmp(&b.1));
            Some(Winner {
                d,
                k,
                n,
                stage: times[0].0.into(),
                seconds: times[0].1,
                runner_up: times[1].0.into(),
                margin: times[1].1 / times[0].1,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaling::Outcome;

    fn cell(stage: &str, n: usize, d: usize, k: usize, t: Option<f64>) -> Cell {
        let outcome = match t {
            Some(t) => Outcome::Measured {
                median: t,
                low: t,
                high: t,
                fits: 3,
            },
            None => Outcome::Skipped {
                reason: "over the budget".into(),
            },
        };
        Cell {
            stage: stage.into(),
            n,
            d,
            k,
            outcome,
        }
    }

    #[test]
    fn recovers_the_exponents_of_an_exact_power_law() {
        let mut cells = Vec::new();
        for n in [1_000, 10_000, 100_000] {
            for k in [4, 16, 64] {
                for d in [2, 8, 32] {
                    let t = 1e-9 * (n as f64) * (k as f64).powf(0.5) * (d as f64);
                    cells.push(cell("brute", n, d, k, Some(t)));
                }
            }
        }
        let e = &exponents(&cells)[0];
        assert!((e.n - 1.0).abs() < 1e-9 && (e.k - 0.5).abs() < 1e-9 && (e.d - 1.0).abs() < 1e-9);
        assert!(e.r2 > 0.999999 && e.cells == 27);
    }

    #[test]
    fn the_winner_is_the_fastest_where_two_were_measured() {
        let cells = vec![
            cell("a", 1_000, 2, 4, Some(2.0)),
            cell("b", 1_000, 2, 4, Some(1.0)),
            cell("a", 10_000, 2, 4, Some(3.0)),
            cell("b", 10_000, 2, 4, Some(6.0)),
            cell("a", 100_000, 2, 4, Some(9.0)),
            cell("b", 100_000, 2, 4, None),
        ];
        let w = &winners(&cells)[0];
        assert_eq!(
            (w.n, w.stage.as_str(), w.runner_up.as_str()),
            (10_000, "a", "b")
        );
        assert!((w.margin - 2.0).abs() < 1e-12);
        // Too few cells, or one parameter that never varies: no exponents claimed.
        assert!(exponents(&cells).is_empty());
    }
}
