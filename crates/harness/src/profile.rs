//! Flamegraphs and line profiles: a stage fitted over and over under pprof's sampling
//! profiler, in a pass of its own so that profiling never touches the timed samples —
//! the samples drawn as a flamegraph and charged to source lines ([`line_profile`]);
//! and the same profiler behind criterion's `--profile-time` seam.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use ladder_core::{FitParams, Points, Stage};

use crate::line_profile::{self, LineShare};
use crate::report::{Artifact, write_artifact};

/// Sampling frequency in Hz (a prime, so it does not beat with periodic work).
pub const FREQUENCY: i32 = 997;

/// A running profile of this process; [`Profile::flamegraph`] ends it.
pub struct Profile(pprof::ProfilerGuard<'static>);

impl Profile {
    /// Starts sampling.
    pub fn start() -> Result<Self> {
        let guard = pprof::ProfilerGuardBuilder::default()
            .frequency(FREQUENCY)
            .blocklist(&["libc", "libgcc", "pthread", "vdso"])
            .build()
            .context("starting the profiler")?;
        Ok(Self(guard))
    }

    /// What was sampled, as a flamegraph SVG titled `title`.
    pub fn flamegraph(self, title: &str) -> Result<Vec<u8>> {
        let report = self.0.report().build().context("building the profile")?;
        draw(&report, title)
    }

    /// What was sampled: a flamegraph SVG titled `title`, and the busiest lines of the
    /// sources under `root`.
    pub fn finish(self, title: &str, root: &Path) -> Result<(Vec<u8>, Vec<LineShare>)> {
        let report = self.0.report().build().context("building the profile")?;
        Ok((
            draw(&report, title)?,
            line_profile::top_lines(&report, root),
        ))
    }
}

fn draw(report: &pprof::Report, title: &str) -> Result<Vec<u8>> {
    let mut options = pprof::flamegraph::Options::default();
    options.title = title.to_string();
    let mut svg = Vec::new();
    report
        .flamegraph_with_options(&mut svg, &mut options)
        .context("drawing the flamegraph")?;
    Ok(svg)
}

/// A stage's profile: its flamegraph, its busiest source lines, and the fits sampled.
#[derive(Debug, Clone)]
pub struct Profiled {
    /// The flamegraph SVG.
    pub svg: Vec<u8>,
    /// The busiest lines of the workspace's sources.
    pub lines: Vec<LineShare>,
    /// Whole fits profiled.
    pub fits: usize,
}

/// Profiles `stage` fitting `points` for at least `duration` (and at least one fit),
/// its lines charged to the sources under `root` (the workspace).
pub fn profile(
    stage: &dyn Stage,
    points: Points<'_>,
    params: &FitParams,
    duration: Duration,
    root: &Path,
) -> Result<Profiled> {
    let profile = Profile::start()?;
    let start = Instant::now();
    let mut fits = 0;
    while fits == 0 || start.elapsed() < duration {
        black_box(stage.fit(black_box(points), params)?);
        fits += 1;
    }
    let title = format!(
        "{}: {fits} fits of {} points × {} features, k = {}",
        stage.name(),
        points.n(),
        points.d(),
        params.k
    );
    let (svg, lines) = profile.finish(&title, root)?;
    Ok(Profiled { svg, lines, fits })
}

/// criterion's `--profile-time` hook: pprof around the profiled iterations, a
/// `flamegraph.svg` in each benchmark's directory.
#[derive(Default)]
pub struct CriterionPprof(Option<Profile>);

impl criterion::profiler::Profiler for CriterionPprof {
    fn start_profiling(&mut self, _id: &str, _dir: &Path) {
        self.0 = Profile::start().ok();
    }

    fn stop_profiling(&mut self, id: &str, dir: &Path) {
        let Some(profile) = self.0.take() else {
            return;
        };
        let written = profile.flamegraph(id).and_then(|svg| {
            let artifact = Artifact {
                name: "flamegraph.svg".into(),
                bytes: svg,
            };
            write_artifact(dir, &artifact)
        });
        match written {
            Ok(path) => eprintln!("flamegraph: {}", path.display()),
            Err(e) => eprintln!("flamegraph of {id} failed: {e:#}"),
        }
    }
}
