//! Every rung of the ladder, in ladder order, and how the CLI builds one from its
//! options.

use ladder_core::Stage;
use ladder_distributed::{Distributed, DistributedError, Settings};

/// The options a stage takes beyond the common ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Takes {
    /// None: it fits points in memory as it is.
    Nothing,
    /// The distributed engine's settings ([`StageOptions::distributed`]).
    Distributed,
}

/// The registry: each stage as the ladder runs it, and the options it takes.
static ENTRIES: &[(&dyn Stage, Takes)] = &[
    (&ladder_naive::Naive, Takes::Nothing),
    (&ladder_vectorized::Vectorized::new(), Takes::Nothing),
    (&ladder_spatial_tree::SpatialTree, Takes::Nothing),
    (&ladder_parallel::Parallel::new(), Takes::Nothing),
    (
        &Distributed::local(Distributed::DEFAULT_WORKERS),
        Takes::Distributed,
    ),
];

static STAGES: [&dyn Stage; ENTRIES.len()] = {
    let mut stages = [ENTRIES[0].0; ENTRIES.len()];
    let mut i = 0;
    while i < ENTRIES.len() {
        stages[i] = ENTRIES[i].0;
        i += 1;
    }
    stages
};

/// All stages, slowest rung first, as the ladder runs them. Add a new rung here and the
/// CLI, the benchmarks and the report pick it up.
pub fn all() -> &'static [&'static dyn Stage] {
    &STAGES
}

/// The stage called `name`, or an error that lists the ones there are.
pub fn find(name: &str) -> Result<&'static dyn Stage, UnknownStage> {
    entry(name).map(|(stage, _)| stage)
}

fn entry(name: &str) -> Result<(&'static dyn Stage, Takes), UnknownStage> {
    ENTRIES
        .iter()
        .copied()
        .find(|(s, _)| s.name() == name)
        .ok_or_else(|| UnknownStage(name.to_string()))
}

/// The options of the stages that take some, as the CLI parsed them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageOptions {
    /// The distributed engine's settings (defaults unless given).
    pub distributed: Settings,
    /// The first of the distributed engine's flags given on the command line, if any:
    /// any other stage refuses it.
    pub distributed_flag: Option<String>,
}

/// A stage as the CLI runs it on a user's data.
pub enum Engine {
    /// A stage that fits points in memory.
    Memory(&'static dyn Stage),
    /// The distributed engine: it reads its own input (a `.npy` file out of core) and
    /// may be one process of a cluster.
    Cluster(Distributed),
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Engine::Memory(stage) => write!(f, "Memory({})", stage.name()),
            Engine::Cluster(d) => write!(f, "Cluster({d:?})"),
        }
    }
}

/// Why the CLI cannot build the stage it was asked for.
#[derive(Debug, thiserror::Error)]
pub enum StageChoiceError {
    /// No such stage.
    #[error(transparent)]
    Unknown(#[from] UnknownStage),
    /// An option of another stage.
    #[error("{flag} only applies to --stage distributed")]
    NotForStage {
        /// The flag given.
        flag: String,
    },
    /// The distributed settings are not valid.
    #[error(transparent)]
    Distributed(#[from] DistributedError),
}

/// The stage `name` built from `options`.
pub fn build(name: &str, options: &StageOptions) -> Result<Engine, StageChoiceError> {
    let (stage, takes) = entry(name)?;
    match takes {
        Takes::Nothing => match &options.distributed_flag {
            Some(flag) => Err(StageChoiceError::NotForStage { flag: flag.clone() }),
            None => Ok(Engine::Memory(stage)),
        },
        Takes::Distributed => Ok(Engine::Cluster(options.distributed.build()?)),
    }
}

/// A stage name that is not in [`all`].
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownStage(pub String);

impl std::fmt::Display for UnknownStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = all().iter().map(|s| s.name()).collect();
        write!(
            f,
            "unknown stage {:?}; choose one of: {} (see `ladder stages`)",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownStage {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_findable() {
        for stage in all() {
            assert_eq!(find(stage.name()).unwrap().name(), stage.name());
        }
        let mut names: Vec<_> = all().iter().map(|s| s.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all().len());
        let err = find("nope").err().expect("no stage is called nope");
        assert!(err.to_string().contains("naive"));
    }

    #[test]
    fn options_go_to_the_stage_that_takes_them() {
        let mut options = StageOptions::default();
        assert!(matches!(build("parallel", &options), Ok(Engine::Memory(_))));
        assert!(matches!(
            build("distributed", &options),
            Ok(Engine::Cluster(_))
        ));
        options.distributed_flag = Some("--workers".into());
        let err = build("naive", &options).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--workers only applies to --stage distributed"
        );
        options.distributed.workers = 0;
        let err = build("distributed", &options).unwrap_err();
        assert_eq!(err.to_string(), "--workers must be at least 1");
    }
}
