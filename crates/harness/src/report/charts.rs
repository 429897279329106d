//! The charts, drawn with plotters as SVG: time per stage (log scale, with the
//! confidence interval), the speedup ladder, the assignment/update split, and the share
//! of distances skipped pass by pass by the rungs that keep bounds.

use anyhow::{Result, anyhow};
use plotters::prelude::*;

use super::{Artifact, Exporter, Report, Row, RowKind};

const SIZE: (u32, u32) = (900, 480);
const RUNG: RGBColor = RGBColor(0x2b, 0x6c, 0xb0);
const EXISTING: RGBColor = RGBColor(0x9a, 0x9a, 0x9a);
const MISMATCH: RGBColor = RGBColor(0xc0, 0x39, 0x2b);
const UPDATE: RGBColor = RGBColor(0xe6, 0x9f, 0x00);

fn color(r: &Row) -> RGBColor {
    match (r.labels_match, r.kind) {
        (false, _) => MISMATCH,
        (true, RowKind::Existing) => EXISTING,
        (true, RowKind::Rung) => RUNG,
    }
}

/// The name under the bar at `x` (bars stand at 0, 1, 2, …), or nothing between bars.
fn bar_label<'a>(x: f64, mut rows: impl Iterator<Item = &'a Row>) -> String {
    let i = x.round();
    match (x - i).abs() < 1e-9 && i >= 0.0 {
        true => rows
            .nth(i as usize)
            .map_or_else(String::new, |r| r.name.clone()),
        false => String::new(),
    }
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("drawing a chart: {e}")
}

/// The chart `name`: a bar per row on a log scale (see [`log_bars`]).
fn log_chart(
    name: &str,
    report: &Report,
    caption: &str,
    y_desc: &str,
    value: impl Fn(&Row) -> f64,
    whiskers: impl Fn(&Row) -> Option<(f64, f64)>,
) -> Result<Vec<Artifact>> {
    let mut svg = String::new();
    log_bars(&mut svg, report, caption, y_desc, value, whiskers)?;
    Ok(vec![Artifact::text(name, svg)])
}

/// A bar per row on a log scale: `value(row)` with optional whiskers `(low, high)`,
/// drawn as SVG into `svg`.
fn log_bars(
    svg: &mut String,
    report: &Report,
    caption: &str,
    y_desc: &str,
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

    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let n = rows.len();
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(-0.5f64..n as f64 - 0.5, (lo..hi).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| bar_label(*x, rows.iter()))
        .y_desc(y_desc)
        .draw()
        .map_err(err)?;
    for (i, (r, &v)) in rows.iter().zip(&values).enumerate() {
        let x = i as f64;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x - 0.35, lo), (x + 0.35, v)],
                color(r).filled(),
            )))
            .map_err(err)?;
        if let Some((a, b)) = whiskers(r) {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x, a), (x, b)],
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
            "Time per whole fit (median, 95 % CI; log scale)",
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
        let title = "The speedup ladder: times faster than naive (log scale)";
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
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
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
