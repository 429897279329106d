//! `ladder predict`: new points assigned to the centers of a `ladder fit --out` result,
//! with the `parallel` rung's kernel (the contract's rule: nearest center, lowest index
//! on a tie), so that the training points get the fit's own labels back.

use std::path::Path;

use anyhow::{Result, anyhow};
use ladder_blobs::io::{IoError, Output};
use ladder_core::{MAX_ABS_COORDINATE, Points, check_values};
use serde::Deserialize;

use super::progress::Voice;
use super::{PredictArgs, about, input, load};
use crate::record::SCHEMA_VERSION;

/// What `predict` needs of a fit's JSON record.
#[derive(Debug, Deserialize)]
struct Model {
    schema_version: Option<u32>,
    stage: String,
    d: usize,
    k: usize,
    converged: bool,
    centers: Vec<Vec<f64>>,
}

/// The model in `path`, or why it is not a `ladder fit` result.
fn read_model(path: &Path) -> Result<Model> {
    let bytes = std::fs::read(path).map_err(|e| IoError::io(path, e))?;
    let not_a_fit = |why: String| {
        anyhow!(
            "{}: not a `ladder fit --out` result ({why}); make one with ladder fit --out FILE",
            path.display()
        )
    };
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(not_a_fit("it is not JSON".into()));
    }
    let model: Model = serde_json::from_slice(&bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => not_a_fit(first_clause(&e.to_string())),
        _ => not_a_fit("it is not JSON".into()),
    })?;
    match model.schema_version {
        Some(v) if v > SCHEMA_VERSION => {
            return Err(anyhow!(
                "{}: a result of schema_version {v}, newer than this ladder reads ({SCHEMA_VERSION}); use a newer ladder",
                path.display()
            ));
        }
        _ => {}
    }
    let whole = model.k >= 1
        && model.d >= 1
        && model.centers.len() == model.k
        && model.centers.iter().all(|c| c.len() == model.d);
    if !whole {
        return Err(not_a_fit(format!(
            "its centers are not k = {} rows of d = {} values",
            model.k, model.d
        )));
    }
    let flat = model.centers.concat();
    if flat.iter().any(|c| c.abs() > MAX_ABS_COORDINATE) {
        return Err(not_a_fit(format!(
            "a center lies beyond ±{MAX_ABS_COORDINATE:e}"
        )));
    }
    Ok(model)
}

/// serde's message, cut short at its first clause.
fn first_clause(why: &str) -> String {
    let why = why.split(" at line ").next().unwrap_or(why);
    why.chars().take(80).collect()
}

/// Assigns the points to the model's centers; prints the labels (one per line) unless
/// `--labels-out` takes them.
pub(super) fn predict(args: &PredictArgs, voice: &Voice) -> Result<()> {
    let model = input(read_model(&args.model))?;
    let points = load(&args.input, voice)?;
    let labels_out = input(
        args.input
            .labels_out
            .as_deref()
            .map(Output::create)
            .transpose(),
    )?;
    if points.d() != model.d {
        return input(Err(anyhow!(
            "{}: the points have {} features but the model's centers have {}; give points of {} columns",
            args.input.input,
            points.d(),
            model.d,
            model.d
        )));
    }
    let view: Points<'_> = points.view();
    check_values(view).map_err(about(&args.input.input))?;
    let centers = model.centers.concat();
    let mut labels = vec![0u32; view.n()];
    {
        let _spinner = voice.spinner("assigning");
        ladder_parallel::predict(view, &centers, &mut labels);
    }
    if !model.converged {
        voice.note(&format!(
            "{}: the fit stopped before converging, so its centers moved after its last labels; the training points' labels may differ from the fit's",
            args.model.display()
        ));
    }
    let Some(out) = labels_out else {
        let text: String = labels.iter().map(|l| format!("{l}\n")).collect();
        print!("{text}");
        return Ok(());
    };
    let path = out.path().to_path_buf();
    out.write_labels(&labels.iter().map(|&l| i64::from(l)).collect::<Vec<_>>())?;
    let mut sizes = vec![0usize; model.k];
    labels.iter().for_each(|&l| sizes[l as usize] += 1);
    let (smallest, largest) = (sizes.iter().min(), sizes.iter().max());
    voice.say(&format!(
        "assigned {} points to the k = {} centers of {} ({} fit); clusters of {} to {} points\nwrote {}",
        view.n(),
        model.k,
        args.model.display(),
        model.stage,
        smallest.unwrap_or(&0),
        largest.unwrap_or(&0),
        path.display()
    ));
    Ok(())
}
