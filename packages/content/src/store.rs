//! A directory of files named by their sha256: the operator's cache and `poi content`'s store.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::fetch::ContentError;
use crate::sha256_hex;

#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

fn is_hash(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Store {
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, ContentError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| ContentError::Store {
            path: dir.display().to_string(),
            reason: e.to_string(),
        })?;
        Ok(Store { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the content with this hash is (or would be) kept; `None` for a name that is not a
    /// sha256, so no request can reach outside the store.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        is_hash(sha256).then(|| self.dir.join(sha256.to_ascii_lowercase()))
    }

    /// The content with this hash, if the store has it intact. A file whose bytes no longer hash
    /// to its name (a disk error, a hand edit) is removed and reported as absent.
    pub fn get(&self, sha256: &str) -> Option<Vec<u8>> {
        let path = self.path_of(sha256)?;
        let bytes = std::fs::read(&path).ok()?;
        if sha256_hex(&bytes).eq_ignore_ascii_case(sha256) {
            Some(bytes)
        } else {
            let _ = std::fs::remove_file(&path);
            None
        }
    }

    /// Stores `bytes` under their sha256 (written aside, synced, then renamed into place, so a
    /// crash never leaves a partial file under a hash name) and returns the hash.
    pub fn put(&self, bytes: &[u8]) -> Result<String, ContentError> {
        let hash = sha256_hex(bytes);
        let path = self.dir.join(&hash);
        if path.is_file() {
            return Ok(hash);
        }
        let error = |e: std::io::Error| ContentError::Store {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        let tmp = self.dir.join(format!(".{hash}.{}.tmp", std::process::id()));
        let mut file = std::fs::File::create(&tmp).map_err(error)?;
        file.write_all(bytes).map_err(error)?;
        file.sync_all().map_err(error)?;
        std::fs::rename(&tmp, &path).map_err(error)?;
        Ok(hash)
    }
}
