//! `index.html`: the table, the charts and the flamegraphs on one page, with links to
//! the other files and to criterion's own report. A small script checks that every
//! image loaded and says so on the page (`#load-check`), which the browser test reads.

use std::fmt::Write;

use anyhow::Result;

use super::markdown::table;
use super::sections::{self, LINE_PROFILE_NOTE, MEMORY_NOTE};
use super::{Artifact, Exporter, Language, Machine, Report, Row, RowKind, WIDE_SPREAD};
use crate::table::Table;

/// `index.html`.
pub struct Html;

/// Text made safe for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:1500px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.35em .6em;text-align:right}\
.scroll{overflow-x:auto}#speedup td{white-space:nowrap}\
th:first-child,td:first-child{text-align:left}tr.mismatch td{background:#fbe3e0}tr.existing td{color:#555;font-style:italic}\
img.chart{max-width:100%;border:1px solid #eee;margin:.5em 0}figure{margin:1em 0}\
.flames img{width:100%;height:260px;object-fit:contain;object-position:left top;border:1px solid #ddd}\
#speedup{font-size:.85em}\
tr.python td:first-child{border-left:4px solid #2e8b57}table.lines td:last-child{text-align:left;font-family:monospace;white-space:pre}\
table.lines{font-size:.9em}.pair{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1em;align-items:start}.line-profile{overflow-x:auto}\
.warn{color:#a15c00}code{background:#f4f4f4;padding:0 .2em}";

const LOAD_CHECK: &str = "<script>window.addEventListener('load',function(){\
var imgs=[].slice.call(document.images);var ok=imgs.filter(function(i){return i.complete&&i.naturalWidth>0;});\
var bad=imgs.filter(function(i){return !(i.complete&&i.naturalWidth>0);}).map(function(i){return i.getAttribute('src');});\
var el=document.getElementById('load-check');el.dataset.loaded=ok.length;el.dataset.total=imgs.length;\
el.textContent=ok.length===imgs.length?'All '+imgs.length+' images loaded.':'Missing images: '+bad.join(', ');});</script>";

impl Exporter for Html {
    fn render(&self, report: &Report) -> Result<Vec<Artifact>> {
        let mut s = String::new();
        head(&mut s, report);
        table_section(&mut s, report);
        how_section(&mut s, report);
        charts_section(&mut s);
        line_pair_section(&mut s, report);
        flamegraphs_section(&mut s, report);
        grid_section(&mut s, report);
        history_section(&mut s, report);
        files_section(&mut s, report);
        let _ = writeln!(
            s,
            "<p id=\"load-check\">Checking images…</p>{LOAD_CHECK}</body></html>"
        );
        Ok(vec![Artifact::text("index.html", s)])
    }
}

/// Where and when a page's figures were measured, as HTML: the machine, its cores and
/// threads, the OS and toolchain, the commit and the date.
pub(crate) fn machine_html(m: &Machine) -> String {
    format!(
        "{} ({} logical cores, {} threads; {}; {}), commit <code>{}</code>, {}",
        esc(&m.cpu),
        m.logical_cores,
        m.threads,
        esc(&m.os),
        esc(&m.rustc),
        esc(&m.commit),
        esc(&m.date)
    )
}

/// The page's head, the workload, the machine, and the headline.
fn head(s: &mut String, report: &Report) {
    let w = &report.workload;
    let m = &report.machine;
    let _ = write!(
        s,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>kmeans-ladder speedup report</title><style>{STYLE}</style></head><body>\
         <h1>kmeans-ladder: the speedup report</h1>\
         <p>Workload: {} — {} points × {} features, k = {}, init {}.</p>\
         <p>Measured on {}. Mode: {}.</p>",
        esc(&w.description),
        w.n,
        w.d,
        w.k,
        esc(&w.init),
        machine_html(m),
        esc(&report.mode)
    );
    if let Some(best) = report.fastest_rung() {
        let _ = write!(
            s,
            "<p>The fastest rung, <b>{}</b>, fits the seed workload {:.0}× faster than the naive reference.</p>",
            esc(&best.name),
            best.speedup_vs_naive
        );
    }
}

/// The speedup table, as the markdown shows it, and what its marks mean.
fn table_section(s: &mut String, report: &Report) {
    *s += "<h2 id=\"table\">The speedup table</h2><div class=\"scroll\"><table id=\"speedup\"><thead><tr>";
    let table = table(report);
    for h in table.headers() {
        let _ = write!(s, "<th>{}</th>", esc(h));
    }
    *s += "</tr></thead><tbody>";
    for (r, cells) in report.rows.iter().zip(table.rows()) {
        let class = match (r.labels_match, r.kind, r.language) {
            (false, _, _) => " class=\"mismatch\"",
            (true, RowKind::Existing, Language::Python) => " class=\"existing python\"",
            (true, RowKind::Existing, _) => " class=\"existing\"",
            (true, RowKind::Rung, Language::Python) => " class=\"python\"",
            _ => "",
        };
        let _ = write!(s, "<tr{class} title=\"{}\">", esc(&r.summary));
        for c in cells {
            let _ = write!(s, "<td>{}</td>", esc(c));
        }
        *s += "</tr>";
    }
    let _ = write!(
        s,
        "</tbody></table></div><p>Each time is one whole fit: the median with its 95 % confidence \
         interval ({}). <span class=\"warn\">⚠</span> marks an interval wider than {:.0} % of \
         the median. Every stage's labels are compared with <code>naive</code>'s before timing; \
         a row that disagrees is shown in red.</p>",
        esc(report.rows.first().map_or("", |r| r.timing.source.as_str())),
        100.0 * WIDE_SPREAD
    );
    let _ = write!(
        s,
        "<p id=\"python-note\">{} Each Python row's figure is timed like criterion's: a \
         warm-up fit (which is also the check against <code>naive</code>'s labels), then \
         repeated fits, the median with its interval ({}). The seed document's figures were \
         measured on the authors' machine, not in this run, and enter no ratio; they time a \
         whole fit of this workload, except the Cython and Numba ones (one \
         <code>find_labels</code> call, the first 10 points as centers) and scikit-learn's \
         (<code>KMeans(4).fit_predict</code>: k = 4 from k-means++, other work).</p><p>{}</p>",
        esc(&report.python.describe()),
        esc(&python_sources(report)),
        esc(MEMORY_NOTE)
    );
    for r in report
        .rows
        .iter()
        .filter(|r| r.kind == RowKind::Existing || r.language == Language::Python)
    {
        let _ = write!(s, "<p><i>{}</i>: {}</p>", esc(&r.name), esc(&r.summary));
    }
}

/// How the Python rows' intervals were made, each kind once.
fn python_sources(report: &Report) -> String {
    let mut sources: Vec<String> = Vec::new();
    for r in report
        .rows
        .iter()
        .filter(|r| r.language == Language::Python)
    {
        let how = format!("{}: {}", r.name, r.timing.source);
        sources.push(how);
    }
    match sources.is_empty() {
        true => "none in this run".into(),
        false => sources.join("; "),
    }
}

/// A table as HTML, with `class`.
fn html_table(s: &mut String, class: &str, table: &Table) {
    let _ = write!(s, "<table class=\"{class}\"><thead><tr>");
    for h in table.headers() {
        let _ = write!(s, "<th>{}</th>", esc(h));
    }
    *s += "</tr></thead><tbody>";
    for cells in table.rows() {
        *s += "<tr>";
        for c in cells {
            let _ = write!(s, "<td>{}</td>", esc(c));
        }
        *s += "</tr>";
    }
    *s += "</tbody></table>";
}

/// A row's line profile, titled.
fn line_profile(s: &mut String, r: &Row) {
    let _ = write!(
        s,
        "<div class=\"line-profile\"><h4>Line profile: {} ({})</h4>",
        esc(&r.name),
        r.language.name()
    );
    html_table(s, "lines", &sections::line_table(r, false));
    *s += "</div>";
}

/// `naive`'s line profile beside pure Python's `%lprun`, the seed's first lesson read
/// in both languages.
fn line_pair_section(s: &mut String, report: &Report) {
    let _ = write!(
        s,
        "<h2 id=\"line-profiles\">Line profiles</h2><p>{}</p>",
        esc(LINE_PROFILE_NOTE)
    );
    let naive = report.rows.first().filter(|r| !r.line_profile.is_empty());
    let python = report
        .rows
        .iter()
        .find(|r| r.language == Language::Python && !r.line_profile.is_empty());
    *s += "<div class=\"pair\">";
    for r in [naive, python].into_iter().flatten() {
        line_profile(s, r);
    }
    if python.is_none() {
        *s += "<p>No pure-Python line profile in this run (the Python ladder is absent, or \
               line_profiler did not install).</p>";
    }
    *s += "</div>";
}

/// Each rung's own account of its fit.
fn how_section(s: &mut String, report: &Report) {
    *s += "<h2 id=\"how\">How each rung ran</h2><p>Each stage's own account of its \
           fit in this run: the kernel it picked, its method, what it skipped, its \
           threads.</p><ul id=\"how-list\">";
    for r in report.rows.iter().filter(|r| !r.details.is_empty()) {
        let _ = write!(s, "<li><b>{}</b>: {}</li>", esc(&r.name), esc(&r.how()));
    }
    *s += "</ul>";
}

/// The charts.
fn charts_section(s: &mut String) {
    *s += "<h2 id=\"charts\">Charts</h2>";
    for (file, alt) in [
        ("time.svg", "time per stage, log scale"),
        ("speedup.svg", "the speedup ladder"),
        ("split.svg", "assignment vs update"),
        ("skips.svg", "distances skipped per pass"),
    ] {
        let _ = write!(
            s,
            "<figure><img class=\"chart\" src=\"{file}\" alt=\"{alt}\"></figure>"
        );
    }
}

/// A flamegraph per profiled stage, its line profile under it.
fn flamegraphs_section(s: &mut String, report: &Report) {
    *s += "<h2 id=\"flamegraphs\">Flamegraphs</h2><p>One per stage, profiled in a pass \
           separate from the timed samples, with the busiest lines of the same samples \
           under it. Click one to open it; in the full view, click a frame to zoom and use \
           Ctrl-F to search.</p><div class=\"flames\">";
    for r in report.rows.iter().filter(|r| r.flamegraph.is_some()) {
        let f = esc(r.flamegraph.as_deref().unwrap_or_default());
        let _ = write!(
            s,
            "<figure><a class=\"flamegraph\" href=\"{f}\"><img src=\"{f}\" alt=\"flamegraph of {0}\"></a>\
             <figcaption>{0}</figcaption></figure>",
            esc(&r.name)
        );
        if !r.line_profile.is_empty() {
            line_profile(s, r);
        }
    }
    *s += "</div>";
}

/// The scaling grid's table and chart, or how to make them.
fn grid_section(s: &mut String, report: &Report) {
    *s += "<h2 id=\"grid\">The scaling grid</h2>";
    let Some(grid) = &report.grid else {
        *s += "<p id=\"grid-absent\">Not measured yet: <code>cargo bench --bench grid</code> \
               (run by <code>cargo bench</code>) writes it into this page.</p>";
        return;
    };
    let _ = write!(
        s,
        "<p>The fast rungs beside each other on larger workloads: {} ({} threads, medians of \
         {} interleaved fits; per pass, from the fits' own clocks).</p>\
         <figure><img class=\"chart\" src=\"grid.svg\" alt=\"time per pass on the grid\"></figure>",
        esc(&grid.measured_on),
        grid.threads,
        grid.fits
    );
    html_table(s, "grid", &crate::grid::table(&grid.rows));
}

/// The recorded runs: the chart of each rung over them, and how to compare two.
fn history_section(s: &mut String, report: &Report) {
    *s += "<h2 id=\"history\">History</h2>";
    if report.history.is_empty() {
        *s += "<p>No runs recorded yet: each <code>cargo bench</code> appends one to \
               <code>history.jsonl</code>.</p>";
        return;
    }
    let first = &report.history[0];
    let _ = write!(
        s,
        "<p>{} runs recorded in <a href=\"history.jsonl\">history.jsonl</a>, since commit \
         <code>{}</code> ({}); every <code>cargo bench</code> appends one. Runs on other \
         machines or in quick mode are noisier; to judge two runs, keep their \
         <code>results.json</code> and use <code>ladder compare OLD.json NEW.json</code> \
         (exit status 3 on a regression beyond <code>--threshold</code>).</p>\
         <figure><img class=\"chart\" src=\"history.svg\" alt=\"each rung over the recorded runs\"></figure>",
        report.history.len(),
        esc(&first.commit),
        esc(&first.date)
    );
}

/// Links to the other files and to criterion's report.
fn files_section(s: &mut String, report: &Report) {
    *s += "<h2>Files</h2><ul>";
    match report.scaling_study {
        true => {
            *s += "<li><a id=\"scaling\" href=\"scaling.html\">scaling.html</a> — where each rung \
                   wins: every stage over n, d and k, the winner map, the cost exponents</li>"
        }
        false => {
            *s += "<li>Where each rung wins: run <code>cargo bench --bench scaling</code> for \
                   <code>scaling.html</code></li>"
        }
    }
    *s += "<li><a href=\"speedup.md\">speedup.md</a> — the table as markdown</li>\
           <li><a href=\"results.json\">results.json</a> — every figure, with the machine (schema version ";
    let _ = write!(s, "{})</li>", report.schema_version);
    if let Some(c) = &report.criterion_report {
        let _ = write!(
            s,
            "<li><a id=\"criterion\" href=\"{}\">criterion's report</a> — every sample, distributions, comparisons with saved baselines</li>",
            esc(c)
        );
    }
    *s += "</ul>";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample_report;

    #[test]
    fn shows_the_table_charts_and_flamegraph_links() {
        let mut report = sample_report();
        report.rows[0].flamegraph = Some("flamegraphs/naive.svg".into());
        report.criterion_report = Some("../target/criterion/report/index.html".into());
        report.rows[1]
            .details
            .insert("method".into(), "bounds <skip>".into());
        report.rows[1].details.insert("threads".into(), 1.into());
        let page = String::from_utf8(Html.render(&report).unwrap().remove(0).bytes).unwrap();
        for want in [
            "<table id=\"speedup\">",
            "src=\"time.svg\"",
            "src=\"speedup.svg\"",
            "src=\"split.svg\"",
            "src=\"skips.svg\"",
            "href=\"flamegraphs/naive.svg\"",
            "class=\"mismatch\"",
            "id=\"criterion\"",
            "method: bounds &lt;skip&gt;; threads: 1</li>",
            "<tr class=\"python\"",
            "id=\"python-note\"",
            "id=\"line-profiles\"",
            "id=\"grid-absent\"",
            "<th>peak heap</th>",
        ] {
            assert!(page.contains(want), "{want}");
        }
    }
}
