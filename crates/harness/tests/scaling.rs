//! The scaling study on a tiny grid: skipped cells are marked with their reason, and the
//! JSON, the page and the winner map say the same thing.

use std::time::Duration;

use ladder_harness::scaling::{self, Outcome, ScalingReport, Study};
use ladder_harness::stages;

#[test]
fn a_tiny_study_marks_its_skipped_cells_and_agrees_with_itself() {
    let dir = tempfile::tempdir().unwrap();
    // A zero budget: each stage runs at the smallest n only; every larger cell is
    // predicted past it and skipped, whatever the machine's speed.
    let study = Study {
        ns: vec![300, 600],
        ds: vec![2, 8],
        ks: vec![4],
        passes: 2,
        budget: Duration::ZERO,
        fits: 1,
    };
    let report = scaling::run(&study, stages::all(), None, dir.path()).unwrap();
    let stages = stages::all().len();
    assert_eq!(report.cells.len(), 2 * 2 * stages);
    assert!(report.complete);
    for c in &report.cells {
        match (&c.outcome, c.n) {
            (Outcome::Measured { median, .. }, 300) => assert!(*median > 0.0),
            (Outcome::Skipped { reason }, 600) => {
                assert!(reason.contains("over the 0.0 s budget"), "{reason}")
            }
            (other, n) => panic!("{} at n = {n}: {other:?}", c.stage),
        }
    }
    // The JSON on disk is the report returned.
    let text = std::fs::read_to_string(dir.path().join("scaling.json")).unwrap();
    let back: ScalingReport = serde_json::from_str(&text).unwrap();
    assert_eq!(back, report);
    assert!(text.contains("\"status\": \"skipped\""));
    // The winner of each (d, k) is the fastest measured cell there, and the page and the
    // map name it.
    assert_eq!(report.winners.len(), 2);
    let page = std::fs::read_to_string(dir.path().join("scaling.html")).unwrap();
    let map = std::fs::read_to_string(dir.path().join("scaling/winners.svg")).unwrap();
    for w in &report.winners {
        let fastest = report
            .cells
            .iter()
            .filter(|c| (c.d, c.k, c.n) == (w.d, w.k, w.n))
            .filter_map(|c| Some((c.median()?, c.stage.clone())))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap();
        assert_eq!(fastest.1, w.stage);
        let row = format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            w.d, w.k, w.n, w.stage
        );
        assert!(page.contains(&row), "{row} not on the page");
        assert!(
            map.contains(&format!("{} {:.1}×", w.stage, w.margin)),
            "map lacks {}",
            w.stage
        );
    }
    assert!(page.contains("skipped: "), "skipped cells are shown");
    for d in [2, 8] {
        assert!(dir.path().join(format!("scaling/d{d}-k4.svg")).exists());
    }
}
