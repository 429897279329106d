//! `scaling.html`: the winner map, the exponents, and time per pass against n for each
//! (d, k) on log–log axes, one line per stage (`scaling/d{d}-k{k}.svg`,
//! `scaling/winners.svg`).

use std::fmt::Write;

use anyhow::{Result, anyhow};
use plotters::prelude::*;

use super::{Outcome, ScalingReport};
use crate::report::{Artifact, dotted_line, esc, fmt_seconds, legend, machine_html};

/// A colour per stage, in the order the stages first appear.
const COLORS: [RGBColor; 10] = [
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0x9a, 0x9a, 0x9a),
    RGBColor(0x2e, 0x8b, 0x57),
    RGBColor(0x2b, 0x6c, 0xb0),
    RGBColor(0xe6, 0x9f, 0x00),
    RGBColor(0x6a, 0x3d, 0x9a),
    RGBColor(0xc0, 0x39, 0x2b),
    RGBColor(0x1f, 0x9e, 0xa8),
    RGBColor(0xd6, 0x5f, 0xb0),
    RGBColor(0x33, 0x33, 0x33),
];

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("drawing a scaling chart: {e}")
}

/// The page and its charts.
pub fn render(report: &ScalingReport) -> Result<Vec<Artifact>> {
    let stages = stages(report);
    let lines = lines(report);
    let mut files = vec![Artifact::text(
        "scaling/winners.svg",
        winner_map(report, &stages)?,
    )];
    for &(d, k) in &lines {
        files.push(Artifact::text(
            &chart_name(d, k),
            line_chart(report, &stages, (d, k))?,
        ));
    }
    files.push(Artifact::text("scaling.html", html(report, &lines)));
    Ok(files)
}

fn stages(report: &ScalingReport) -> Vec<String> {
    let mut stages: Vec<String> = Vec::new();
    for c in &report.cells {
        if !stages.contains(&c.stage) {
            stages.push(c.stage.clone());
        }
    }
    stages
}

fn lines(report: &ScalingReport) -> Vec<(usize, usize)> {
    let mut lines = Vec::new();
    for c in &report.cells {
        if !lines.contains(&(c.d, c.k)) {
            lines.push((c.d, c.k));
        }
    }
    lines
}

fn chart_name(d: usize, k: usize) -> String {
    format!("scaling/d{d}-k{k}.svg")
}

fn color(stages: &[String], stage: &str) -> RGBColor {
    let i = stages.iter().position(|s| s == stage).unwrap_or(0);
    COLORS[i % COLORS.len()]
}

/// Time per pass against n at one (d, k), log–log, a line per stage.
fn line_chart(report: &ScalingReport, stages: &[String], (d, k): (usize, usize)) -> Result<String> {
    let cells: Vec<_> = report
        .cells
        .iter()
        .filter(|c| (c.d, c.k) == (d, k))
        .collect();
    let times = cells.iter().filter_map(|c| c.median());
    let (lo, hi) = times.fold((f64::INFINITY, 0f64), |(lo, hi), t| (lo.min(t), hi.max(t)));
    let (lo, hi) = if lo <= hi {
        (lo / 2.0, hi * 2.0)
    } else {
        (1e-6, 1.0)
    };
    let n_max = cells.iter().map(|c| c.n).max().unwrap_or(10) as f64;
    let n_min = cells.iter().map(|c| c.n).min().unwrap_or(1) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (460, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("d = {d}, k = {k}"), ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(32)
            .y_label_area_size(56)
            .build_cartesian_2d((n_min / 1.5..n_max * 1.5).log_scale(), (lo..hi).log_scale())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("n")
            .y_desc("s per pass")
            .x_label_formatter(&|n| format!("{n:.0e}"))
            .y_label_formatter(&|t| format!("{t:.0e}"))
            .draw()
            .map_err(err)?;
        for stage in stages {
            let c = color(stages, stage);
            let points: Vec<(f64, f64)> = cells
                .iter()
                .filter(|cell| &cell.stage == stage)
                .filter_map(|cell| Some((cell.n as f64, cell.median()?)))
                .collect();
            dotted_line(&mut chart, points, c, stage)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The fastest stage per (d, k): a square each, in its stage's colour, with its margin.
fn winner_map(report: &ScalingReport, stages: &[String]) -> Result<String> {
    let mut ds: Vec<usize> = report.winners.iter().map(|w| w.d).collect();
    let mut ks: Vec<usize> = report.winners.iter().map(|w| w.k).collect();
    ds.sort_unstable();
    ds.dedup();
    ks.sort_unstable();
    ks.dedup();
    let (cell_w, cell_h, left, top) = (170i32, 70i32, 70i32, 50i32);
    let size = (
        (left + cell_w * ks.len().max(1) as i32 + 20) as u32,
        (top + cell_h * ds.len().max(1) as i32 + 20) as u32,
    );
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let title = "The fastest stage per (d, k) at the largest n measured (× over the runner-up)";
        root.draw(&Text::new(title, (10, 10), ("sans-serif", 15)))
            .map_err(err)?;
        for (j, k) in ks.iter().enumerate() {
            let x = left + cell_w * j as i32 + cell_w / 2 - 20;
            root.draw(&Text::new(
                format!("k = {k}"),
                (x, top - 18),
                ("sans-serif", 13),
            ))
            .map_err(err)?;
        }
        for (i, d) in ds.iter().enumerate() {
            let y = top + cell_h * i as i32 + cell_h / 2 - 6;
            root.draw(&Text::new(format!("d = {d}"), (10, y), ("sans-serif", 13)))
                .map_err(err)?;
        }
        for w in &report.winners {
            let (Some(i), Some(j)) = (
                ds.iter().position(|&d| d == w.d),
                ks.iter().position(|&k| k == w.k),
            ) else {
                continue;
            };
            let (x, y) = (left + cell_w * j as i32, top + cell_h * i as i32);
            let fill = color(stages, &w.stage).mix(0.75).filled();
            root.draw(&Rectangle::new(
                [(x + 2, y + 2), (x + cell_w - 2, y + cell_h - 2)],
                fill,
            ))
            .map_err(err)?;
            let label = format!("{} {:.1}×", w.stage, w.margin);
            root.draw(&Text::new(
                label,
                (x + 8, y + 16),
                ("sans-serif", 14).into_font().color(&BLACK),
            ))
            .map_err(err)?;
            let at = format!("n = {}, vs {}", w.n, w.runner_up);
            root.draw(&Text::new(at, (x + 8, y + 40), ("sans-serif", 11)))
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The page.
fn html(report: &ScalingReport, lines: &[(usize, usize)]) -> String {
    let m = &report.machine;
    let mut s = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>kmeans-ladder: where each rung wins</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:1500px;margin:2em auto;padding:0 1em;color:#222}}\
         table{{border-collapse:collapse;margin:1em 0}}th,td{{border:1px solid #ccc;padding:.3em .6em;text-align:right}}\
         th:first-child,td:first-child{{text-align:left}}.charts{{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:.5em}}\
         td.skipped{{color:#888;font-style:italic;text-align:left}}</style></head><body>\
         <h1>Where each rung wins: the scaling study</h1>\
         <p>Measured on {}; {} cells in {:.0} s{}. \
         Each cell: {} passes without early stop on <code>make_blobs(n, centers=k, n_features=d, cluster_std=1)</code> \
         from the fast generator, last-k init; seconds per pass (a whole fit's wall time — validation, layout, \
         start-up included — over its passes), the median of {} fits. A stage whose fit would take more than {:.1} s (predicted from its last n, \
         linear in n) is skipped there and beyond, and says so — nothing here is extrapolated. \
         Back to <a href=\"index.html\">the speedup report</a>; every figure in <a href=\"scaling.json\">scaling.json</a>.</p>",
        machine_html(m),
        report.cells.len(),
        report.seconds,
        if report.complete {
            ""
        } else {
            " (interrupted: the cells so far)"
        },
        report.passes,
        report.fits,
        report.budget_seconds
    );
    for a in &report.absent {
        let _ = write!(
            s,
            "<p class=\"absent\">{} is absent: {}.</p>",
            esc(&a.name),
            esc(&a.why)
        );
    }
    s += "<h2 id=\"winners\">Which rung should I use?</h2><img id=\"winner-map\" src=\"scaling/winners.svg\" alt=\"the fastest stage per d and k\">\
          <table id=\"winners-table\"><thead><tr><th>d</th><th>k</th><th>at n</th><th>fastest</th><th>per pass</th><th>runner-up</th><th>margin</th></tr></thead><tbody>";
    for w in &report.winners {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}×</td></tr>",
            w.d,
            w.k,
            w.n,
            esc(&w.stage),
            fmt_seconds(w.seconds),
            esc(&w.runner_up),
            w.margin
        );
    }
    s += "</tbody></table><h2 id=\"exponents\">How each rung's cost grows</h2><p>A least-squares fit of \
          ln(time per pass) = a + b·ln n + c·ln k + e·ln d over each stage's measured cells: brute force is \
          1, 1, 1; a tree or bounds that skip work show below 1 in k; fixed costs show below 1 in n at small n.</p>\
          <table id=\"exponents-table\"><thead><tr><th>stage</th><th>n</th><th>k</th><th>d</th><th>R²</th><th>cells</th></tr></thead><tbody>";
    for e in &report.exponents {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td><td>{:.3}</td><td>{}</td></tr>",
            esc(&e.stage),
            e.n,
            e.k,
            e.d,
            e.r2,
            e.cells
        );
    }
    s += "</tbody></table><h2 id=\"lines\">Time per pass against n</h2><div class=\"charts\">";
    for &(d, k) in lines {
        let _ = write!(
            s,
            "<img src=\"{}\" alt=\"d = {d}, k = {k}\">",
            chart_name(d, k)
        );
    }
    s += "</div><h2 id=\"cells\">Every cell</h2><table id=\"cells-table\"><thead><tr><th>stage</th><th>n</th><th>d</th><th>k</th><th>per pass (min – max)</th></tr></thead><tbody>";
    for c in &report.cells {
        let value = match &c.outcome {
            Outcome::Measured {
                median,
                low,
                high,
                fits,
            } => format!(
                "<td>{} ({} – {}, {fits} fits)</td>",
                fmt_seconds(*median),
                fmt_seconds(*low),
                fmt_seconds(*high)
            ),
            Outcome::Skipped { reason } => {
                format!("<td class=\"skipped\">skipped: {}</td>", esc(reason))
            }
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{value}</tr>",
            esc(&c.stage),
            c.n,
            c.d,
            c.k
        );
    }
    s += "</tbody></table></body></html>\n";
    s
}
