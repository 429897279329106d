//! The cluster's hostfile: one `host:port` per line, one line per process.

use std::path::{Path, PathBuf};

/// Why a hostfile cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum HostfileError {
    /// It cannot be read.
    #[error("{}: cannot read the hostfile", path.display())]
    Read {
        /// The hostfile.
        path: PathBuf,
        /// What reading it said.
        #[source]
        source: std::io::Error,
    },
    /// It lists no hosts.
    #[error("{}: no hosts; write one host:port per line, one line per process", path.display())]
    Empty {
        /// The hostfile.
        path: PathBuf,
    },
    /// A line that is not `host:port`.
    #[error("{}: {line:?} is not host:port", path.display())]
    NotHostPort {
        /// The hostfile.
        path: PathBuf,
        /// The line, without its comment.
        line: String,
    },
}

/// Reads a hostfile: one `host:port` per line; blank lines and `#` comments ignored.
pub fn read_hostfile(path: &Path) -> Result<Vec<String>, HostfileError> {
    let text = std::fs::read_to_string(path).map_err(|source| HostfileError::Read {
        path: path.into(),
        source,
    })?;
    let hosts: Vec<String> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    if hosts.is_empty() {
        return Err(HostfileError::Empty { path: path.into() });
    }
    if let Some(bad) = hosts.iter().find(|h| {
        h.rsplit_once(':')
            .is_none_or(|(_, p)| p.parse::<u16>().is_err())
    }) {
        return Err(HostfileError::NotHostPort {
            path: path.into(),
            line: bad.clone(),
        });
    }
    Ok(hosts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_hosts_and_names_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hosts.txt");
        std::fs::write(
            &path,
            "# the cluster\n127.0.0.1:4000\n\nlocalhost:4001 # two\n",
        )
        .unwrap();
        assert_eq!(
            read_hostfile(&path).unwrap(),
            ["127.0.0.1:4000", "localhost:4001"]
        );
        std::fs::write(&path, "localhost\n").unwrap();
        let err = read_hostfile(&path).unwrap_err();
        assert!(
            err.to_string().contains("\"localhost\" is not host:port"),
            "{err}"
        );
        std::fs::write(&path, "# nothing\n").unwrap();
        assert!(matches!(
            read_hostfile(&path),
            Err(HostfileError::Empty { .. })
        ));
    }
}
