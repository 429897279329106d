//! The HTML report in a real browser: a report is measured (wall-clock fits of every
//! stage on the seed workload, real pprof flamegraphs), written, and opened in headless
//! Chromium, which must show the table, every chart and every flamegraph.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it). Without it the test says so and
//! passes, unless `LADDER_REQUIRE_BROWSER=1` (CI sets it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use ladder_harness::ladder::{self, Settings, WallClock};
use ladder_harness::memory::Counting;
use ladder_harness::report::{self, Report};
use ladder_harness::stages;
use ladder_harness::workloads::Workload;

/// As the ladder bench does: the heap column counts what each fit allocates.
#[global_allocator]
static ALLOC: Counting = Counting;

fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var("LADDER_CHROMIUM").ok(),
        Some("chromium".into()),
        Some("chromium-browser".into()),
    ];
    let found = candidates
        .into_iter()
        .flatten()
        .map(PathBuf::from)
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    if found.is_none() {
        assert!(
            std::env::var_os("LADDER_REQUIRE_BROWSER").is_none(),
            "LADDER_REQUIRE_BROWSER is set but no chromium was found; apt-get install chromium"
        );
        eprintln!("skipped: chromium is not installed");
    }
    found
}

/// A real, quick report of every stage in `dir`: wall-clock fits, real flamegraphs.
fn measure_report(dir: &Path) -> Report {
    let w = Workload::SEED;
    let settings = Settings {
        outcome_fits: 3,
        profile_time: Duration::from_millis(100),
        mode: "test".into(),
        criterion_report: None,
        source_root: Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .canonicalize()
            .unwrap(),
        // Tests never install anything: the page says the Python rows are absent.
        python: None,
    };
    let mut clock = WallClock { repeat: 5 };
    let points = w.points();
    ladder::measure(
        &w,
        &points,
        stages::all(),
        Vec::new(),
        &mut clock,
        dir,
        &settings,
    )
    .unwrap()
    .expect("the wall clock always measures")
}

#[test]
fn the_report_page_loads_in_chromium() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let report = measure_report(dir.path());
    report::write_all(&report, dir.path()).unwrap();
    let profile_dir = tempfile::tempdir().unwrap();
    let page = format!("file://{}", dir.path().join("index.html").display());
    let out = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--allow-file-access-from-files",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile_dir.path().display()))
        .arg(&page)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The table, with every stage.
    assert!(dom.contains("<table id=\"speedup\">"), "no table in {dom}");
    for stage in stages::all() {
        assert!(
            dom.contains(&format!("<td>{}</td>", stage.name())),
            "{} missing from the table",
            stage.name()
        );
        let link = format!("href=\"flamegraphs/{}.svg\"", stage.name());
        assert!(
            dom.contains(&link),
            "no flamegraph link for {}",
            stage.name()
        );
    }
    // Every image — 4 charts and one flamegraph per stage — loaded in the browser.
    let images = 4 + stages::all().len();
    let loaded = format!("All {images} images loaded.");
    assert!(
        dom.contains(&loaded),
        "the page says: {}",
        dom.split("id=\"load-check\"").nth(1).unwrap_or("nothing")
    );
    // The new sections: the Python ladder's absence said (tests never install it), the
    // heap column, a line profile under each flamegraph, the grid's place.
    for want in [
        "The Python rows are absent from this run: LADDER_PYTHON=off.",
        "<th>peak heap</th>",
        "<th>vs pure Python</th>",
        "<th>seed document (authors' machine)</th>",
        "id=\"line-profiles\"",
        "id=\"grid-absent\"",
    ] {
        assert!(dom.contains(want), "{want} missing from the page");
    }
    for stage in stages::all() {
        let title = format!("Line profile: {} (Rust)", stage.name());
        assert!(dom.contains(&title), "no line profile for {}", stage.name());
    }
    // Every rung's heap was counted (this binary installs the counting allocator).
    for r in &report.rows {
        let peak = r
            .peak_bytes
            .unwrap_or_else(|| panic!("no heap figure for {}", r.name));
        assert!(peak > 0, "{} allocated nothing?", r.name);
    }
    // naive's busiest line is its distance, in its own source.
    let naive = &report.rows[0].line_profile;
    assert!(
        naive.iter().any(|l| l.file == "crates/naive/src/lib.rs"),
        "naive's line profile: {naive:?}"
    );
    // The skip chart draws the pruned rung's passes.
    let skips = std::fs::read_to_string(dir.path().join("skips.svg")).unwrap();
    assert!(skips.contains("pruned"), "skips.svg has no pruned line");
    // And the flamegraphs name the stage code, not <unknown>.
    let flame = std::fs::read_to_string(dir.path().join("flamegraphs/naive.svg")).unwrap();
    assert!(
        flame.contains("find_labels"),
        "naive's flamegraph does not show find_labels"
    );
}
