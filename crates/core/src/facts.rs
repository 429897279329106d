//! What a stage says about its run, typed.
//!
//! Each rung defines its own facts as a plain serde struct next to the code that fills
//! it (the kernel it picked, the method, what it skipped, its threads), and returns it
//! from [`crate::Steps::details`]. [`Details`] carries any such struct through the
//! [`crate::Fit`]: code that wants a fact asks for the rung's type
//! (`fit.details.get::<ParallelFacts>()`) and reads a field the compiler checks; the
//! report and `ladder fit --out` show them as one JSON object (`to_json`).

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

/// A rung's facts about one fit: any `Serialize` struct (it must serialize to a JSON
/// object).
pub trait Facts: Any + fmt::Debug + Send + Sync {
    /// The facts as a JSON object, as the report and `ladder fit --out` show them.
    fn to_json(&self) -> Map<String, Value>;
}

impl<T: Serialize + fmt::Debug + Send + Sync + 'static> Facts for T {
    fn to_json(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            Ok(Value::Null) => Map::new(),
            Ok(other) => {
                let mut map = Map::new();
                map.insert("value".into(), other);
                map
            }
            Err(e) => {
                let mut map = Map::new();
                map.insert("unserializable".into(), e.to_string().into());
                map
            }
        }
    }
}

/// The facts of one fit, of whichever rung made it (or none).
#[derive(Clone, Default)]
pub struct Details(Option<Arc<dyn Facts>>);

impl Details {
    /// No facts: a rung with nothing to add.
    pub fn none() -> Self {
        Self(None)
    }

    /// A rung's facts.
    pub fn new<T: Facts>(facts: T) -> Self {
        Self(Some(Arc::new(facts)))
    }

    /// The facts, if they are a `T`.
    pub fn get<T: Facts>(&self) -> Option<&T> {
        let facts: &dyn Any = self.0.as_deref()?;
        facts.downcast_ref::<T>()
    }

    /// Whether there are no facts.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The facts as a JSON object (empty for none).
    pub fn to_json(&self) -> Map<String, Value> {
        self.0.as_ref().map_or_else(Map::new, |f| f.to_json())
    }
}

impl fmt::Debug for Details {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(facts) => facts.fmt(f),
            None => f.write_str("no details"),
        }
    }
}

/// Two fits' details are equal when they say the same.
impl PartialEq for Details {
    fn eq(&self, other: &Self) -> bool {
        self.to_json() == other.to_json()
    }
}

impl Serialize for Details {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Serialize)]
    struct Example {
        method: &'static str,
        threads: usize,
    }

    #[test]
    fn facts_are_read_by_type_and_shown_as_json() {
        let d = Details::new(Example {
            method: "bounds",
            threads: 2,
        });
        assert_eq!(d.get::<Example>().map(|e| e.threads), Some(2));
        assert!(d.get::<u32>().is_none());
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json, serde_json::json!({"method": "bounds", "threads": 2}));
        assert!(Details::none().to_json().is_empty());
        assert_eq!(serde_json::to_string(&Details::none()).unwrap(), "{}");
    }
}
