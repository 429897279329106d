//! Every rung of the ladder, in ladder order.

use ladder_core::Stage;

static STAGES: &[&dyn Stage] = &[
    &ladder_naive::Naive,
    &ladder_vectorized::Vectorized::new(),
    &ladder_spatial_tree::SpatialTree,
    &ladder_parallel::Parallel::new(),
    &ladder_distributed::Distributed::local(2),
];

/// All stages, slowest rung first. Add a new rung here and the CLI, the benchmarks and
/// the report pick it up.
pub fn all() -> &'static [&'static dyn Stage] {
    STAGES
}

/// The stage called `name`, or an error that lists the ones there are.
pub fn find(name: &str) -> Result<&'static dyn Stage, UnknownStage> {
    all()
        .iter()
        .copied()
        .find(|s| s.name() == name)
        .ok_or_else(|| UnknownStage(name.to_string()))
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
}
