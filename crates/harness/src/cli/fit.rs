//! `ladder fit`: a stage on the user's points, timed, summarised, and written as JSON,
//! labels and centers.

use anyhow::{Context, Result, bail};
use ladder_blobs::io::{Input, Output, npy_layout, read_input};
use ladder_core::{FitParams, Matrix, Stage};
use ladder_distributed::{
    CpuError, CpuList, Distributed, DistributedError, Prepared, Source, allowed_cpus,
};

use super::progress::Voice;
use super::{FitArgs, about, input, load};
use crate::record::FitRecord;
use crate::run::{TimedFit, timed, timed_fit};
use crate::stages::{self, Engine, OptionGroup, StageOptions};

/// The stage options the arguments give.
pub(super) fn options(args: &FitArgs, given: Vec<(OptionGroup, String)>) -> StageOptions {
    StageOptions {
        pruning: args.pruned.pruning,
        distributed: args.distributed.settings(),
        given,
    }
}

/// Fits with the stage the arguments name, or with every stage (`--stage all`).
pub(super) fn fit(args: &FitArgs, given: Vec<(OptionGroup, String)>, voice: &Voice) -> Result<()> {
    if args.stage == super::all::ALL {
        return super::all::fit_all(args, &options(args, given), voice);
    }
    match input(stages::build(&args.stage, &options(args, given)))? {
        Engine::Memory(stage) => fit_in_memory(args, stage, voice),
        Engine::Owned(stage) => fit_in_memory(args, stage.as_ref(), voice),
        Engine::Cluster(stage) => fit_on_cluster(args, &stage, voice),
    }
}

/// The files a fit writes, created (as temporary files beside their paths) before the
/// fit, so that one that cannot be written is said before a long fit, not after it.
pub(super) struct Outputs {
    json: Option<Output>,
    labels: Option<Output>,
    centers: Option<Output>,
}

impl Outputs {
    /// The outputs the arguments name (none for a cluster's other processes).
    pub(super) fn create(args: &FitArgs) -> Result<Self> {
        let named = [
            ("--input", args.input.input.path()),
            (
                "--init-centers",
                args.init_centers.as_ref().and_then(Input::path),
            ),
            ("--out", args.out.as_deref()),
            ("--labels-out", args.input.labels_out.as_deref()),
            ("--centers-out", args.centers_out.as_deref()),
        ];
        input(distinct(&named))?;
        let create = |path: &Option<std::path::PathBuf>| {
            input(path.as_deref().map(Output::create).transpose())
        };
        Ok(Self {
            json: create(&args.out)?,
            labels: create(&args.input.labels_out)?,
            centers: create(&args.centers_out)?,
        })
    }

    fn none() -> Self {
        Self {
            json: None,
            labels: None,
            centers: None,
        }
    }

    /// Writes each file from `record` and says where; a failure now is one while
    /// running (exit status 1).
    pub(super) fn write(
        self,
        record: &impl serde::Serialize,
        fit: &FitRecord,
        voice: &Voice,
    ) -> Result<()> {
        if let Some(out) = self.json {
            let path = out.path().to_path_buf();
            out.write_with(|w| {
                serde_json::to_writer(&mut *w, record).map_err(std::io::Error::from)?;
                w.write_all(b"\n")
            })?;
            voice.say(&format!("wrote {}", path.display()));
        }
        if let Some(out) = self.labels {
            let path = out.path().to_path_buf();
            let labels: Vec<i64> = fit.labels.iter().map(|&l| i64::from(l)).collect();
            out.write_labels(&labels)?;
            voice.say(&format!("wrote {}", path.display()));
        }
        if let Some(out) = self.centers {
            let path = out.path().to_path_buf();
            let centers = Matrix::new(fit.centers.concat(), fit.d).expect("k rows of d values");
            out.write_points(&centers)?;
            voice.say(&format!("wrote {}", path.display()));
        }
        Ok(())
    }
}

/// An output that would overwrite an input or another output is refused: `files` are
/// each option's path, if given, the first two being the inputs.
fn distinct(files: &[(&str, Option<&std::path::Path>)]) -> Result<()> {
    let same = |a: &std::path::Path, b: &std::path::Path| {
        a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
    };
    for (i, (option, path)) in files.iter().enumerate().skip(2) {
        let Some(path) = path else { continue };
        let earlier = files[..i]
            .iter()
            .find(|(_, p)| p.is_some_and(|p| same(p, path)));
        if let Some((other, _)) = earlier {
            bail!(
                "{option} {} is also {other}; give each output its own file",
                path.display()
            );
        }
    }
    Ok(())
}

/// A stage that fits points in memory: read them, fit, report.
fn fit_in_memory(args: &FitArgs, stage: &dyn Stage, voice: &Voice) -> Result<()> {
    let points = load(&args.input, voice)?;
    let outputs = Outputs::create(args)?;
    let params = input(params_from_args(args, points.d()))?;
    let view = points.view();
    let checked = params.check(view).map_err(about(&args.input.input))?;
    let run = {
        let _bar = voice.fit_bar(stage.name(), params.max_iter);
        timed_fit(stage, view, &params, args.repeat)?
    };
    let name = args.input.input.to_string();
    let initial = checked.initial_centers();
    let record = FitRecord::new(stage.name(), &name, view.n(), &params, initial, run);
    report_fit(record, outputs, voice)
}

/// `--stage distributed`: a `.npy` input is read by every worker, chunk by chunk (out of
/// core); a CSV input is read into memory first. In a cluster only process 0 reports.
fn fit_on_cluster(args: &FitArgs, stage: &Distributed, voice: &Voice) -> Result<()> {
    // A CPU this process may not use is the user's mistake, said before any fit.
    let allowed = allowed_cpus();
    let cpus = stage.cpus.as_deref().unwrap_or_default();
    if let Some(&cpu) = cpus.iter().find(|c| !allowed.contains(c)) {
        let allowed = CpuList(allowed);
        return input(Err(CpuError::NotAllowed { cpu, allowed }));
    }
    let is_process_0 = stage.cluster.is_process_0();
    if args.input.input == Input::Stdin && stage.cluster.processes() > 1 {
        return input(Err(anyhow::anyhow!(
            "--input -: a cluster's processes cannot share stdin; give the points as a file"
        )));
    }
    let outputs = match is_process_0 {
        true => Outputs::create(args)?,
        false => Outputs::none(),
    };
    let layout = args.input.input.path().map(npy_layout);
    let source = match (layout, &args.input.input) {
        (Some(Ok(layout)), Input::File(path)) => Source::File {
            path: path.clone(),
            layout,
        },
        _ => {
            let points = load(&args.input, voice)?;
            Source::Memory {
                d: points.d(),
                data: std::sync::Arc::new(points.into_vec()),
            }
        }
    };
    let (n, d) = (source.n(), source.d());
    let params = input(params_from_args(args, d))?;
    // Checked (and a file read) once, however many fits follow.
    let prepared = match Prepared::new(source, &params) {
        Err(DistributedError::Fit(e)) => return Err(about(&args.input.input)(e)),
        other => input(other)?,
    };
    if !is_process_0 {
        // Process 0 fits 1 + repeat times; every process must take part in each fit.
        for _ in 0..=args.repeat {
            stage.fit_prepared(&prepared)?;
        }
        voice.say(&format!(
            "process {} of the cluster: done (process 0 has the result)",
            args.distributed.process.unwrap_or(0)
        ));
        return Ok(());
    }
    let run = {
        let _bar = voice.fit_bar(stage.name(), params.max_iter);
        timed_prepared(stage, &prepared, args.repeat)?
    };
    let name = args.input.input.to_string();
    let initial = prepared.initial_centers();
    let record = FitRecord::new(stage.name(), &name, n, &params, initial, run);
    report_fit(record, outputs, voice)
}

/// `1 + repeat` fits of process 0 of a distributed stage (see [`timed`]).
pub(super) fn timed_prepared(
    stage: &Distributed,
    prepared: &Prepared,
    repeat: usize,
) -> Result<TimedFit> {
    timed(stage.name(), repeat, || {
        stage
            .fit_prepared(prepared)?
            .context("process 0 returned no result")
    })
}

/// The fit's parameters from the arguments, for points of `d` features.
pub(super) fn params_from_args(args: &FitArgs, d: usize) -> Result<FitParams> {
    let mut params = FitParams::new(0)
        .init(args.init)
        .seed(args.seed)
        .max_iter(args.max_iter);
    params.run_all_iterations = args.no_early_stop;
    params.k = match (&args.init_centers, args.k) {
        (None, Some(k)) => k,
        (None, None) => bail!("--k is required: give the number of clusters, e.g. --k 10"),
        (Some(Input::Stdin), _) if args.input.input == Input::Stdin => {
            bail!(
                "--init-centers -: stdin already holds the points (--input -); give the centers as a file"
            )
        }
        (Some(path), k) => {
            let options = ladder_blobs::io::ReadOptions {
                delimiter: args.input.delimiter,
            };
            let centers = read_input(path, &options)?.points;
            if centers.d() != d {
                bail!(
                    "{}: the initial centers have {} features but the points have {d}; give centers with {d} columns",
                    path,
                    centers.d(),
                );
            }
            if let Some(k) = k.filter(|&k| k != centers.n()) {
                bail!(
                    "{}: --k {k} but the file has {} initial centers; drop --k or make them agree",
                    path,
                    centers.n()
                );
            }
            let k = centers.n();
            params = params.initial_centers(centers.into_vec());
            k
        }
    };
    Ok(params)
}

/// Prints a fit's summary and writes its files.
fn report_fit(record: FitRecord, outputs: Outputs, voice: &Voice) -> Result<()> {
    voice.say(&record.summary());
    if !record.converged {
        voice.note(&format!(
            "the fit stopped at --max-iter {} before converging; raise it for the converged centers",
            record.max_iter
        ));
    }
    outputs.write(&record, &record, voice)
}
