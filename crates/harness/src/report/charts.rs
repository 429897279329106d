//! The charts, drawn with plotters as SVG: time per stage, both ladders (log scale, with
//! the confidence interval), the speedup ladder, the assignment/update split, the share
//! of distances skipped pass by pass by the rungs that keep bounds, and the scaling grid.

use anyhow::{Result, anyhow};
use plotters::prelude::*;

use super::{Artifact, Exporter, Language, Report, Row, RowKind};

const SIZE: (u32, u32) = (900, 480);
const RUNG: RGBColor = RGBColor(0x2b, 0x6c, 0xb0);
const PYTHON: RGBColor = RGBColor(0x2e, 0x8b, 0x57);
const EXISTING: RGBColor = RGBColor(0x9a, 0x9a, 0x9a);
const MISMATCH: RGBColor = RGBColor(0xc0, 0x39, 0x2b);
const UPDATE: RGBColor = RGBColor(0xe6, 0x9f, 0x00);

fn color(r: &Row) -> RGBColor {
    match (r.labels_match, r.kind, r.language) {
        (false, _, _) => MISMATCH,
        (true, RowKind::Existing, _) => EXISTING,
        (true, RowKind::Rung, Language::Rust) => RUNG,
        (true, RowKind::Rung, Language::Python) => PYTHON,
    }
}

/// A chart of `bars` bars lying down: each a row of its own.
fn bar_chart_size(bars: usize) -> (u32, u32) {
    (SIZE.0, SIZE.1.max(28 * bars as u32 + 110))
}

/// The name under the bar at `x` (bars stand at 0, 1, 2, …), or nothing between bars.
fn bar_label<'a>(x: f64, mut rows: impl Iterator<Item = &'a Row>) -> String {
    tick_label(x, |i| rows.nth(i).map(|r| r.name.clone()))
}

/// The label of the item at tick `x` when items stand at 0, 1, 2, … (`name(i)`), or
/// nothing between them.
fn tick_label(x: f64, name: impl FnOnce(usize) -> Option<String>) -> String {
    let i = x.round();
    match (x - i).abs() < 1e-9 && i >= 0.0 {
        true => name(i as usize).unwrap_or_default(),
        false => String::new(),
    }
}

/// A labelled line through `points` with a dot at each (the legend shows the line).
pub(crate) fn dotted_line<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    points: Vec<(f64, f64)>,
    color: RGBColor,
    label: &str,
) -> Result<()>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart
        .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
        .map_err(err)?
        .label(label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color));
    let dots = points
        .into_iter()
        .map(|p| Circle::new(p, 3, color.filled()));
    chart.draw_series(dots).map_err(err)?;
    Ok(())
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("drawing a chart: {e}")
}

/// The chart's legend of its labelled series, at `position`, on a light box.
pub(crate) fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)
}

/// The chart `name`: a bar per row on a log scale (see [`log_bars`]).
fn log_chart(
    name: &str,
    report: &Report,
    caption: &str,
    x_desc: &str,
    value: impl Fn(&Row) -> f64,
    whiskers: impl Fn(&Row) -> Option<(f64, f64)>,
) -> Result<Vec<Artifact>> {
    let mut svg = String::new();
    log_bars(&mut svg, report, caption, x_desc, value, whiskers)?;
    Ok(vec![Artifact::text(name, svg)])
}

/// A bar per row on a log scale, lying down (the rows' names read on the left, the first
/// at the top): `value(row)` with optional whiskers `(low, high)`, drawn as SVG into
/// `svg`.
fn log_bars(
    svg: &mut String,
    report: &Report,
    caption: &str,
    x_desc: &str,
    value: impl Fn(&Row) -> f64,
    whiskers: impl Fn(&Row) -> Option<(f64, f64)>,
) -> Result<()> {
    let rows = &report.rows;
    let values: Vec<f64> = rows.iter().map(&value).collect();
    let lows = rows
        .iter()
        .zip(&values)
        .map(|(r, &v)| whiskers(r).map_or(v, |w| w.0));
    let highs = rows
        .iter()
        .zip(&values)
        .map(|(r, &v)| whiskers(r).map_or(v, |w| w.1));
    let lo = lows.fold(f64::INFINITY, f64::min) / 3.0;
    let hi = highs.fold(0.0, f64::max) * 3.0;

    let n = rows.len();
    let root = SVGBackend::with_string(svg, bar_chart_size(n)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(50)
        .y_label_area_size(200)
        .build_cartesian_2d((lo..hi).log_scale(), -0.5f64..n as f64 - 0.5)
        .map_err(err)?;
    // Bar `i` stands at `n − 1 − i`, so that the table's order reads top to bottom.
    let at = |i: usize| (n - 1 - i) as f64;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_style(("sans-serif", 14))
        .y_label_formatter(&|y| bar_label(n as f64 - 1.0 - *y, rows.iter()))
        .x_desc(x_desc)
        .draw()
        .map_err(err)?;
    for (i, (r, &v)) in rows.iter().zip(&values).enumerate() {
        let y = at(i);
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(lo, y - 0.35), (v, y + 0.35)],
                color(r).filled(),
            )))
            .map_err(err)?;
        if let Some((a, b)) = whiskers(r) {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(a, y), (b, y)],
                    BLACK.stroke_width(2),
                )))
                .map_err(err)?;
        }
    }
    root.present().map_err(err)?;
    Ok(())
}

/// `time.svg`: median seconds per whole fit, log scale, 95 % CI whiskers.
pub struct TimeChart;

impl Exporter for TimeChart {
    fn render(&self, report: &Report) -> Result<Vec<Artifact>> {
        log_chart(
            "time.svg",
            report,
            "Time per whole fit, both ladders (median, 95 % CI; log scale; Rust blue, Python green, existing grey)",
            "seconds",
            |r| r.timing.median_seconds,
            |r| Some((r.timing.ci_low_seconds, r.timing.ci_high_seconds)),
        )
    }
}

/// `speedup.svg`: the speedup ladder, each row over naive, log scale.
pub struct SpeedupChart;

impl Exporter for SpeedupChart {
    fn render(&self, report: &Report) -> Result<Vec<Artifact>> {
        let title =
            "The speedup ladder, both languages: times faster than Rust's naive (log scale)";
        log_chart(
            "speedup.svg",
            report,
            title,
            "× naive",
            |r| r.speedup_vs_naive,
            |_| None,
        )
    }
}

/// `split.svg`: where a fit's time goes, assignment vs update, as stacked percentages.
pub struct SplitChart;

impl Exporter for SplitChart {
    fn render(&self, report: &Report) -> Result<Vec<Artifact>> {
        let mut svg = String::new();
        split_bars(&mut svg, report)?;
        Ok(vec![Artifact::text("split.svg", svg)])
    }
}

/// The split chart, drawn as SVG into `svg`.
fn split_bars(svg: &mut String, report: &Report) -> Result<()> {
    let rows: Vec<&Row> = report
        .rows
        .iter()
        .filter(|r| r.assign_share.is_some())
        .collect();
    let n = rows.len().max(1);
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Where the time goes: assignment (blue) vs update (orange)",
            ("sans-serif", 22),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(-0.5f64..n as f64 - 0.5, 0f64..100f64)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| bar_label(*x, rows.iter().copied()))
        .y_desc("% of assignment + update")
        .draw()
        .map_err(err)?;
    for (i, r) in rows.iter().enumerate() {
        let (x, share) = (i as f64, 100.0 * r.assign_share.unwrap_or(0.0));
        chart
            .draw_series([
                Rectangle::new([(x - 0.35, 0.0), (x + 0.35, share)], RUNG.filled()),
                Rectangle::new([(x - 0.35, share), (x + 0.35, 100.0)], UPDATE.filled()),
            ])
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

/// `skips.svg`: pass by pass, the share of brute force's `n·k` distances each rung that
/// reports its passes did not compute — the bounds at work as the centers settle.
pub struct SkipChart;

impl Exporter for SkipChart {
    fn render(&self, report: &Report) -> Result<Vec<Artifact>> {
        let mut svg = String::new();
        skip_lines(&mut svg, report)?;
        Ok(vec![Artifact::text("skips.svg", svg)])
    }
}

/// Line colours for the rungs in the skip chart, in turn.
const LINES: [RGBColor; 3] = [RUNG, UPDATE, MISMATCH];

/// The skip chart, drawn as SVG into `svg`.
fn skip_lines(svg: &mut String, report: &Report) -> Result<()> {
    let rows: Vec<(&Row, &[f64])> = report
        .rows
        .iter()
        .filter_map(|r| Some((r, r.work.as_ref()?.skipped_per_pass.as_slice())))
        .filter(|(_, passes)| !passes.is_empty())
        .collect();
    let passes = rows.iter().map(|(_, p)| p.len()).max().unwrap_or(1);
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let caption = match rows.is_empty() {
        true => "Distances skipped per pass (no rung in this run reports its passes)",
        false => "Distances skipped per pass: the share of brute force's n·k not computed",
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(1f64..passes.max(2) as f64, 0f64..100f64)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("pass")
        .y_desc("% of n·k skipped")
        .draw()
        .map_err(err)?;
    for (i, (row, skipped)) in rows.iter().enumerate() {
        let color = LINES[i % LINES.len()];
        let points = skipped
            .iter()
            .enumerate()
            .map(|(p, &s)| ((p + 1) as f64, 100.0 * s));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(err)?
            .label(row.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
    }
    if !rows.is_empty() {
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

/// `grid.svg`: the scaling grid's time per pass, a group of bars per workload, one per
/// stage (log scale) — drawn only when the report holds the grid.
pub struct GridChart;

impl Exporter for GridChart {
    fn render(&self, report: &Report) -> Result<Vec<Artifact>> {
        let Some(grid) = &report.grid else {
            return Ok(Vec::new());
        };
        let mut svg = String::new();
        grid_bars(&mut svg, &grid.rows)?;
        Ok(vec![Artifact::text("grid.svg", svg)])
    }
}

/// The grid chart, drawn as SVG into `svg`.
fn grid_bars(svg: &mut String, rows: &[crate::grid::GridRow]) -> Result<()> {
    let mut workloads: Vec<&str> = Vec::new();
    let mut stages: Vec<&str> = Vec::new();
    for r in rows {
        if !workloads.contains(&r.workload.as_str()) {
            workloads.push(&r.workload);
        }
        if !stages.contains(&r.stage.as_str()) {
            stages.push(&r.stage);
        }
    }
    let ms: Vec<f64> = rows.iter().map(|r| r.per_pass * 1e3).collect();
    let lo = ms.iter().copied().fold(f64::INFINITY, f64::min) / 3.0;
    let hi = ms.iter().copied().fold(0.0, f64::max) * 3.0;
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let n = workloads.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "The scaling grid: time per pass (median; log scale)",
            ("sans-serif", 22),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(
            -0.5f64..n as f64 - 0.5,
            (lo.max(1e-6)..hi.max(1e-5)).log_scale(),
        )
        .map_err(err)?;
    let label = |x: &f64| tick_label(*x, |i| workloads.get(i).map(|w| w.to_string()));
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&label)
        .y_desc("ms per pass")
        .draw()
        .map_err(err)?;
    let width = 0.8 / stages.len().max(1) as f64;
    for (s, stage) in stages.iter().enumerate() {
        let color = LINES[s % LINES.len()];
        let bars = rows
            .iter()
            .zip(&ms)
            .filter(|(r, _)| r.stage == *stage)
            .map(|(r, &v)| {
                let w = workloads.iter().position(|w| *w == r.workload).unwrap_or(0) as f64;
                let x = w - 0.4 + width * s as f64;
                Rectangle::new([(x, lo), (x + width * 0.9, v)], color.filled())
            });
        chart
            .draw_series(bars)
            .map_err(err)?
            .label(stage.to_string())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    root.present().map_err(err)?;
    Ok(())
}

/// `history.svg`: each Rust rung's median whole fit over the recorded runs (log scale),
/// a point per run — drawn once there is a history.
pub struct HistoryChart;

impl Exporter for HistoryChart {
    fn render(&self, report: &Report) -> Result<Vec<Artifact>> {
        if report.history.is_empty() {
            return Ok(Vec::new());
        }
        let mut svg = String::new();
        history_lines(&mut svg, &report.history)?;
        Ok(vec![Artifact::text("history.svg", svg)])
    }
}

/// Colours for many lines, in turn.
const PALETTE: [RGBColor; 7] = [
    RUNG,
    UPDATE,
    MISMATCH,
    PYTHON,
    RGBColor(0x6a, 0x3d, 0x9a),
    RGBColor(0x1f, 0x9e, 0xa8),
    RGBColor(0x55, 0x55, 0x55),
];

/// The history chart, drawn as SVG into `svg`.
fn history_lines(svg: &mut String, runs: &[crate::history::RunRecord]) -> Result<()> {
    let rust_rung =
        |r: &&crate::history::RowRecord| r.language == Language::Rust && r.kind == RowKind::Rung;
    let mut names: Vec<&str> = Vec::new();
    for row in runs
        .iter()
        .flat_map(|run| run.rows.iter().filter(rust_rung))
    {
        if !names.contains(&row.name.as_str()) {
            names.push(&row.name);
        }
    }
    let all = runs
        .iter()
        .flat_map(|run| run.rows.iter().filter(rust_rung));
    let (lo, hi) = all.fold((f64::INFINITY, 0f64), |(lo, hi), r| {
        (lo.min(r.median_seconds), hi.max(r.median_seconds))
    });
    let (lo, hi) = (lo.min(hi) / 3.0, hi.max(lo) * 3.0);
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Each rung over the recorded runs (median whole fit; log scale)",
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(
            -0.5f64..runs.len() as f64 - 0.5,
            (lo.max(1e-9)..hi.max(1e-8)).log_scale(),
        )
        .map_err(err)?;
    let label = |x: &f64| tick_label(*x, |i| runs.get(i).map(|r| short(&r.commit)));
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(runs.len().min(12))
        .x_label_formatter(&label)
        .x_desc("run (commit)")
        .y_desc("seconds")
        .draw()
        .map_err(err)?;
    for (s, name) in names.iter().enumerate() {
        let color = PALETTE[s % PALETTE.len()];
        let points: Vec<(f64, f64)> = runs
            .iter()
            .enumerate()
            .filter_map(|(i, run)| {
                let row = run
                    .rows
                    .iter()
                    .filter(rust_rung)
                    .find(|r| r.name == *name)?;
                Some((i as f64, row.median_seconds))
            })
            .collect();
        dotted_line(&mut chart, points, color, name)?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    root.present().map_err(err)?;
    Ok(())
}

/// A commit as the chart labels it: its first 7 characters, `+` if dirty.
fn short(commit: &str) -> String {
    let dirty = commit.ends_with("+dirty");
    let hash: String = commit.chars().take(7).collect();
    if dirty { format!("{hash}+") } else { hash }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample_report;

    #[test]
    fn every_chart_is_an_svg_naming_the_stages() {
        let report = sample_report();
        for exporter in [
            &TimeChart as &dyn Exporter,
            &SpeedupChart,
            &SplitChart,
            &SkipChart,
        ] {
            for file in exporter.render(&report).unwrap() {
                let svg = String::from_utf8(file.bytes).unwrap();
                let name = &file.name;
                assert!(
                    svg.starts_with("<svg") || svg.starts_with("<?xml"),
                    "{name}"
                );
                assert!(svg.contains("naive") && svg.contains("fast"), "{name}");
            }
        }
    }
}
