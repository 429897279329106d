//! Every rung of the ladder, in ladder order, and how the CLI builds one from its
//! options.

use ladder_core::Stage;
use ladder_distributed::{Distributed, DistributedError, Settings};
use ladder_pruned::{Pruned, Pruning};

/// A group of options that only one stage takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionGroup {
    /// The pruned rung's choice of bounds ([`StageOptions::pruning`]).
    Pruned,
    /// The distributed engine's settings ([`StageOptions::distributed`]).
    Distributed,
}

/// The registry: each stage as the ladder runs it, and the options it takes.
static ENTRIES: &[(&dyn Stage, Option<OptionGroup>)] = &[
    (&ladder_naive::Naive, None),
    (&ladder_vectorized::Vectorized::new(), None),
    (&ladder_spatial_tree::SpatialTree, None),
    (&ladder_parallel::Parallel::new(), None),
    (&Pruned::new(), Some(OptionGroup::Pruned)),
    (
        &Distributed::local(Distributed::DEFAULT_WORKERS),
        Some(OptionGroup::Distributed),
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

fn entry(name: &str) -> Result<(&'static dyn Stage, Option<OptionGroup>), UnknownStage> {
    ENTRIES
        .iter()
        .copied()
        .find(|(s, _)| s.name() == name)
        .ok_or_else(|| UnknownStage(name.to_string()))
}

/// The options of the stages that take some, as the CLI parsed them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageOptions {
    /// The pruned rung's bounds (chosen by the data unless given).
    pub pruning: Pruning,
    /// The distributed engine's settings (defaults unless given).
    pub distributed: Settings,
    /// The flags given on the command line that belong to a group: a stage that does
    /// not take the group refuses them.
    pub given: Vec<(OptionGroup, String)>,
}

/// A stage as the CLI runs it on a user's data.
pub enum Engine {
    /// A stage that fits points in memory, as the registry holds it.
    Memory(&'static dyn Stage),
    /// A stage that fits points in memory, built from its options.
    Owned(Box<dyn Stage>),
    /// The distributed engine: it reads its own input (a `.npy` file out of core) and
    /// may be one process of a cluster.
    Cluster(Distributed),
}

impl Engine {
    /// The stage's name.
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Memory(stage) => stage.name(),
            Engine::Owned(stage) => stage.name(),
            Engine::Cluster(stage) => Stage::name(stage),
        }
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Engine::Memory(stage) => write!(f, "Memory({})", stage.name()),
            Engine::Owned(stage) => write!(f, "Owned({})", stage.name()),
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
    #[error("{flag} only applies to --stage {stage}")]
    NotForStage {
        /// The flag given.
        flag: String,
        /// The stage it belongs to.
        stage: &'static str,
    },
    /// The distributed settings are not valid.
    #[error(transparent)]
    Distributed(#[from] DistributedError),
}

/// The stage `name` built from `options`.
pub fn build(name: &str, options: &StageOptions) -> Result<Engine, StageChoiceError> {
    let (stage, takes) = entry(name)?;
    if let Some((group, flag)) = options.given.iter().find(|(g, _)| Some(*g) != takes) {
        let owner = ENTRIES.iter().find(|(_, t)| *t == Some(*group));
        return Err(StageChoiceError::NotForStage {
            flag: flag.clone(),
            stage: owner.map_or("?", |(s, _)| s.name()),
        });
    }
    Ok(match takes {
        None => Engine::Memory(stage),
        Some(OptionGroup::Pruned) => Engine::Owned(Box::new(Pruned {
            pruning: options.pruning,
        })),
        Some(OptionGroup::Distributed) => Engine::Cluster(options.distributed.build()?),
    })
}

/// Every stage in ladder order, each built with the options of its own group: what
/// `ladder fit --stage all` runs.
pub fn build_every(options: &StageOptions) -> Result<Vec<Engine>, StageChoiceError> {
    ENTRIES
        .iter()
        .map(|&(stage, takes)| {
            let given = options.given.iter().filter(|(g, _)| Some(*g) == takes);
            let own = StageOptions {
                given: given.cloned().collect(),
                ..options.clone()
            };
            build(stage.name(), &own)
        })
        .collect()
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
        assert!(matches!(build("pruned", &options), Ok(Engine::Owned(_))));
        options.given = vec![(OptionGroup::Distributed, "--workers".into())];
        for stage in ["naive", "pruned"] {
            let err = build(stage, &options).unwrap_err();
            let want = "--workers only applies to --stage distributed";
            assert_eq!(err.to_string(), want);
        }
        options.given = vec![(OptionGroup::Pruned, "--pruning".into())];
        let err = build("distributed", &options).unwrap_err();
        assert_eq!(err.to_string(), "--pruning only applies to --stage pruned");
        options.given.clear();
        options.distributed.workers = 0;
        let err = build("distributed", &options).unwrap_err();
        assert_eq!(err.to_string(), "--workers must be at least 1");
    }
}
