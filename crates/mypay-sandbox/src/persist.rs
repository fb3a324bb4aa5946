//! Where the store is kept: `state.json` in the data directory, replaced
//! atomically (a temporary file, then a rename) on every change; or nowhere
//! (in memory only).

use crate::error::Error;
use crate::order::store::Store;
use std::path::{Path, PathBuf};

/// The state file, if any.
#[derive(Clone, Debug)]
pub struct Persist {
    pub path: Option<PathBuf>,
}

impl Persist {
    /// `dir/state.json`, or nothing.
    pub fn in_dir(dir: Option<&Path>) -> Self {
        Self {
            path: dir.map(|d| d.join("state.json")),
        }
    }

    /// Reads the saved store, if any.
    pub fn load(&self) -> Result<Option<Store>, Error> {
        let Some(path) = &self.path else {
            return Ok(None);
        };
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|source| Error::BadState {
                    path: path.clone(),
                    source,
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::ReadState {
                path: path.clone(),
                source,
            }),
        }
    }

    /// Writes the store: a temporary file, then a rename over the old one.
    pub fn save(&self, store: &Store) -> Result<(), Error> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let write = |source| Error::WriteState {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(write)?;
        }
        let tmp = path.with_extension(format!("json.tmp{}", std::process::id()));
        let text = serde_json::to_vec_pretty(store)
            .map_err(|e| write(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
        std::fs::write(&tmp, text).map_err(write)?;
        std::fs::rename(&tmp, path).map_err(write)?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::order::payment::Payment;
    use crate::order::seed::seed_request;
    use crate::stamps::parse_stamp;

    fn temp_dir(name: &str) -> PathBuf {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        std::env::temp_dir().join(format!(
            "mypay-sandbox-{name}-{}-{nanos}",
            std::process::id()
        ))
    }

    #[test]
    fn in_memory_saves_nothing_and_loads_nothing() {
        let p = Persist::in_dir(None);
        assert!(p.path.is_none());
        p.save(&Store::seeded("289151880002")).unwrap();
        assert!(p.load().unwrap().is_none());
    }

    #[test]
    fn a_store_round_trips_through_its_file_with_nothing_left_over() {
        let dir = temp_dir("persist").join("nested");
        let p = Persist::in_dir(Some(&dir));
        assert!(p.load().unwrap().is_none(), "no file yet");
        let mut s = Store::seeded("289151880002");
        let now = parse_stamp("20260301120000").unwrap();
        let (uid, _) = s.create(seed_request("289151880002", "1", "1"), now);
        s.pay(uid, Payment::Card("4938170130000003".into()), now)
            .unwrap();
        p.save(&s).unwrap();
        p.save(&s).unwrap();
        assert_eq!(p.load().unwrap(), Some(s));
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["state.json"]);
        let text = std::fs::read_to_string(dir.join("state.json")).unwrap();
        assert!(text.contains("\"prc\": \"250\""), "codes as text");
        let _ = std::fs::remove_dir_all(dir.parent().unwrap());
    }

    #[test]
    fn a_foreign_file_is_refused_by_name() {
        let dir = temp_dir("foreign");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("state.json"), "{\"hello\": 1}").unwrap();
        let e = Persist::in_dir(Some(&dir)).load().unwrap_err();
        assert!(matches!(e, Error::BadState { .. }));
        assert!(e
            .to_string()
            .contains("state.json is not a sandbox state file"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
