//! Flamegraphs: a stage fitted over and over under pprof's sampling profiler, in a pass
//! of its own so that profiling never touches the timed samples.

use std::fs::File;
use std::hint::black_box;
use std::io::BufWriter;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use ladder_core::{FitParams, Points, Stage};

/// Sampling frequency in Hz (a prime, so it does not beat with periodic work).
pub const FREQUENCY: i32 = 997;

/// A running profile of this process; [`Profile::write_flamegraph`] ends it.
pub struct Profile(pprof::ProfilerGuard<'static>);

impl Profile {
    pub fn start() -> Result<Self> {
        let guard = pprof::ProfilerGuardBuilder::default()
            .frequency(FREQUENCY)
            .blocklist(&["libc", "libgcc", "pthread", "vdso"])
            .build()
            .context("starting the profiler")?;
        Ok(Self(guard))
    }

    /// Writes what was sampled as a flamegraph SVG titled `title`.
    pub fn write_flamegraph(self, path: &Path, title: &str) -> Result<()> {
        let report = self.0.report().build().context("building the profile")?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = File::create(path).with_context(|| path.display().to_string())?;
        let mut options = pprof::flamegraph::Options::default();
        options.title = title.to_string();
        report
            .flamegraph_with_options(BufWriter::new(file), &mut options)
            .with_context(|| format!("writing {}", path.display()))
    }
}

/// Profiles `stage` fitting `points` for at least `duration` (and at least one fit) and
/// writes its flamegraph to `path`. Returns the number of fits profiled.
pub fn flamegraph(
    stage: &dyn Stage,
    points: Points<'_>,
    params: &FitParams,
    duration: Duration,
    path: &Path,
) -> Result<usize> {
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
    profile.write_flamegraph(path, &title)?;
    Ok(fits)
}
