//! `ladder fit`: a stage on the user's points, timed, summarised, and written as JSON.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use ladder_blobs::io::{create_file, npy_layout, read_points};
use ladder_core::{FitParams, Stage};
use ladder_distributed::{CpuError, CpuList, Distributed, Prepared, Source, allowed_cpus};

use super::{FitArgs, InputError};
use crate::record::FitRecord;
use crate::run::{TimedFit, timed, timed_fit};
use crate::stages::{self, Engine, OptionGroup, StageOptions};

/// `r`'s error, if any, as the user's: what they gave is wrong (exit status 2).
fn input<T, E: Into<anyhow::Error>>(r: Result<T, E>) -> Result<T> {
    r.map_err(|e| InputError(e.into()).into())
}

/// Fits with the stage the arguments name.
pub(super) fn fit(args: &FitArgs, given: Vec<(OptionGroup, String)>) -> Result<()> {
    let options = StageOptions {
        pruning: args.pruned.pruning,
        distributed: args.distributed.settings(),
        given,
    };
    match input(stages::build(&args.stage, &options))? {
        Engine::Memory(stage) => fit_in_memory(args, stage),
        Engine::Owned(stage) => fit_in_memory(args, stage.as_ref()),
        Engine::Cluster(stage) => fit_on_cluster(args, &stage),
    }
}

/// A stage that fits points in memory: read them, fit, report.
fn fit_in_memory(args: &FitArgs, stage: &dyn Stage) -> Result<()> {
    let points = input(read_points(&args.input))?;
    // Fail before a long fit, not after it, when the result cannot be written.
    let out = input(args.out.as_deref().map(create_file).transpose())?;
    let params = input(params_from_args(args, points.d()))?;
    let view = points.view();
    let checked = input(params.check(view))?;
    let run = timed_fit(stage, view, &params, args.repeat)?;
    let initial = checked.initial_centers();
    report_fit(args, out, stage.name(), view.n(), &params, initial, run)
}

/// `--stage distributed`: a `.npy` input is read by every worker, chunk by chunk (out of
/// core); a CSV input is read into memory first. In a cluster only process 0 reports.
fn fit_on_cluster(args: &FitArgs, stage: &Distributed) -> Result<()> {
    // A CPU this process may not use is the user's mistake, said before any fit.
    let allowed = allowed_cpus();
    let cpus = stage.cpus.as_deref().unwrap_or_default();
    if let Some(&cpu) = cpus.iter().find(|c| !allowed.contains(c)) {
        let allowed = CpuList(allowed);
        return input(Err(CpuError::NotAllowed { cpu, allowed }));
    }
    let is_process_0 = stage.cluster.is_process_0();
    let out = match is_process_0 {
        true => input(args.out.as_deref().map(create_file).transpose())?,
        false => None,
    };
    let source = match npy_layout(&args.input) {
        Ok(layout) => Source::File {
            path: args.input.clone(),
            layout,
        },
        Err(_) => {
            let points = input(read_points(&args.input))?;
            Source::Memory {
                d: points.d(),
                data: std::sync::Arc::new(points.into_vec()),
            }
        }
    };
    let (n, d) = (source.n(), source.d());
    let params = input(params_from_args(args, d))?;
    // Checked (and a file read) once, however many fits follow.
    let prepared = input(Prepared::new(source, &params))?;
    if !is_process_0 {
        // Process 0 fits 1 + repeat times; every process must take part in each fit.
        for _ in 0..=args.repeat {
            stage.fit_prepared(&prepared)?;
        }
        println!(
            "process {} of the cluster: done (process 0 has the result)",
            args.distributed.process.unwrap_or(0)
        );
        return Ok(());
    }
    let run = timed(stage.name(), args.repeat, || {
        stage
            .fit_prepared(&prepared)?
            .context("process 0 returned no result")
    })?;
    let initial = prepared.initial_centers();
    report_fit(args, out, stage.name(), n, &params, initial, run)
}

/// The fit's parameters from the arguments, for points of `d` features.
fn params_from_args(args: &FitArgs, d: usize) -> Result<FitParams> {
    let mut params = FitParams::new(0)
        .init(args.init)
        .seed(args.seed)
        .max_iter(args.max_iter);
    params.run_all_iterations = args.no_early_stop;
    params.k = match (&args.init_centers, args.k) {
        (None, Some(k)) => k,
        (None, None) => bail!("--k is required: give the number of clusters, e.g. --k 10"),
        (Some(path), k) => {
            let centers = read_points(path)?;
            if centers.d() != d {
                bail!(
                    "{}: the initial centers have {} features but the points have {d}; give centers with {d} columns",
                    path.display(),
                    centers.d(),
                );
            }
            if let Some(k) = k.filter(|&k| k != centers.n()) {
                bail!(
                    "{}: --k {k} but the file has {} initial centers; drop --k or make them agree",
                    path.display(),
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

/// Prints a fit's summary and writes its JSON record.
fn report_fit(
    args: &FitArgs,
    out: Option<File>,
    stage: &str,
    n: usize,
    params: &FitParams,
    initial: &[f64],
    run: TimedFit,
) -> Result<()> {
    let input = args.input.display().to_string();
    let record = FitRecord::new(stage, &input, n, params, initial, run);
    println!("{}", record.summary());
    if let (Some(file), Some(path)) = (out, &args.out) {
        write_json(file, path, &record)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

fn write_json(file: File, path: &Path, record: &FitRecord) -> Result<()> {
    let mut writer = BufWriter::new(file);
    serde_json::to_writer(&mut writer, record)
        .map_err(std::io::Error::from)
        .and_then(|()| writer.write_all(b"\n"))
        .and_then(|()| writer.flush())
        .with_context(|| path.display().to_string())
}
