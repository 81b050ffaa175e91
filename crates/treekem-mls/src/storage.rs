//! A small key-value store for persisting group state: get, put, delete and an atomic batch
//! ([`Store`]), with an in-memory ([`MemoryStore`]) and a file-backed ([`FileStore`])
//! implementation.
//!
//! The group engine saves a commit as one batch holding only what the commit changed (the
//! nodes of the changed paths, the new epoch's secrets, the dropped epoch's keys as
//! deletions), so a store never sees the whole tree rewritten per commit. "Stage, persist,
//! then merge": the engine writes the batch of the staged epoch before it switches to it,
//! so a crash at any point leaves either the old epoch or the new one, never a mix.
//!
//! **File layout.** A directory with one file per key (the key in hex) and, during a batch, a
//! journal. A batch is written to `journal.tmp`, synced, and renamed to `journal` (the commit
//! point: rename is atomic on POSIX file systems), and the directory is synced so that the
//! rename is durable; then each operation is applied (a value is written to a temporary
//! file, synced and renamed over its key's file), the directory is synced again so that
//! every applied rename and removal is durable, and only then the journal is removed. [`FileStore::open`] replays a journal left by a crash (replay is idempotent) and
//! discards a `journal.tmp`, which never reached its commit point.
//!
//! Values are stored as given: the integrator encrypts them at rest if the device needs it.

use std::{
    collections::BTreeMap,
    fs,
    io::Write as _,
    path::{Path, PathBuf},
};

use crate::{
    Error, Result,
    codec::{Reader, Writer},
};

/// The longest key a store accepts, in bytes (file names are twice as long in hex).
pub const MAX_KEY_LEN: usize = 100;

/// One operation of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreOp {
    /// Set `key` to `value`.
    Put {
        /// The key.
        key: Vec<u8>,
        /// The value.
        value: Vec<u8>,
    },
    /// Remove `key` (absent keys are fine).
    Delete {
        /// The key.
        key: Vec<u8>,
    },
}

impl StoreOp {
    fn key(&self) -> &[u8] {
        match self {
            Self::Put { key, .. } | Self::Delete { key } => key,
        }
    }
}

/// A key-value store with atomic batches.
pub trait Store {
    /// The value of `key`, if any.
    ///
    /// # Errors
    /// [`Error::Storage`] if the store cannot be read; [`Error::Misuse`] for a key longer
    /// than [`MAX_KEY_LEN`].
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;

    /// Applies every operation of `ops`, in order, or none of them.
    ///
    /// # Errors
    /// [`Error::Storage`] if the store cannot be written (then none of `ops` took effect, or
    /// all of them will once the store is reopened); [`Error::Misuse`] for a key longer than
    /// [`MAX_KEY_LEN`] (checked before anything is written).
    fn batch(&mut self, ops: &[StoreOp]) -> Result<()>;

    /// Sets `key` to `value`.
    ///
    /// # Errors
    /// As [`Self::batch`].
    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        self.batch(&[StoreOp::Put {
            key: key.to_vec(),
            value: value.to_vec(),
        }])
    }

    /// Removes `key`.
    ///
    /// # Errors
    /// As [`Self::batch`].
    fn delete(&mut self, key: &[u8]) -> Result<()> {
        self.batch(&[StoreOp::Delete { key: key.to_vec() }])
    }
}

fn check_key(key: &[u8]) -> Result<()> {
    if key.len() > MAX_KEY_LEN {
        Err(Error::Misuse("store key longer than MAX_KEY_LEN"))
    } else {
        Ok(())
    }
}

/// A store in memory (tests, and integrators who persist elsewhere).
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    map: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl MemoryStore {
    /// An empty store.
    pub const fn new() -> Self {
        Self {
            map: BTreeMap::new(),
        }
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl Store for MemoryStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        check_key(key)?;
        Ok(self.map.get(key).cloned())
    }

    fn batch(&mut self, ops: &[StoreOp]) -> Result<()> {
        for op in ops {
            check_key(op.key())?;
        }
        for op in ops {
            match op {
                StoreOp::Put { key, value } => {
                    self.map.insert(key.clone(), value.clone());
                }
                StoreOp::Delete { key } => {
                    self.map.remove(key);
                }
            }
        }
        Ok(())
    }
}

/// A store in a directory (see the module documentation for the layout and crash safety).
#[derive(Debug)]
pub struct FileStore {
    dir: PathBuf,
}

const JOURNAL: &str = "journal";

fn io(op: &'static str) -> impl FnOnce(std::io::Error) -> Error {
    move |e| Error::Storage { op, kind: e.kind() }
}

fn hex(key: &[u8]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes the renames and removals made in `dir` durable (on Unix, by syncing the directory;
/// elsewhere the file system's own rename guarantees apply).
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io("sync directory"))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes `bytes` to `path` through a synced temporary file renamed over it.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut file = fs::File::create(&tmp).map_err(io("create"))?;
    file.write_all(bytes).map_err(io("write"))?;
    file.sync_all().map_err(io("sync"))?;
    fs::rename(&tmp, path).map_err(io("rename"))
}

fn encode_ops(ops: &[StoreOp]) -> Result<Vec<u8>> {
    let mut w = Writer::new();
    w.vector(|w| {
        for op in ops {
            match op {
                StoreOp::Put { key, value } => {
                    w.u8(1);
                    w.opaque(key);
                    w.opaque(value);
                }
                StoreOp::Delete { key } => {
                    w.u8(2);
                    w.opaque(key);
                }
            }
        }
    });
    w.finish()
}

fn decode_ops(bytes: &[u8]) -> Result<Vec<StoreOp>> {
    let mut r = Reader::new(bytes);
    let ops = r.vector(|r| {
        let mut ops = Vec::new();
        while !r.is_empty() {
            ops.push(match r.u8()? {
                1 => StoreOp::Put {
                    key: r.opaque_vec()?,
                    value: r.opaque_vec()?,
                },
                2 => StoreOp::Delete {
                    key: r.opaque_vec()?,
                },
                _ => return Err(Error::Decode("store journal operation")),
            });
        }
        Ok(ops)
    })?;
    r.finish("trailing bytes after the store journal")?;
    Ok(ops)
}

impl FileStore {
    /// Opens (creating if needed) the store in `dir`, completing a batch a crash
    /// interrupted after its commit point and discarding one interrupted before.
    ///
    /// # Errors
    /// [`Error::Storage`] if the directory cannot be created or read;
    /// [`Error::Decode`] if a committed journal is corrupt.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self> {
        let store = Self { dir: dir.into() };
        fs::create_dir_all(&store.dir).map_err(io("create directory"))?;
        // Temporary files (`journal.tmp`, `k<hex>.tmp`) never reached their rename.
        for entry in fs::read_dir(&store.dir).map_err(io("read directory"))? {
            let path = entry.map_err(io("read directory"))?.path();
            if path.extension().is_some_and(|e| e == "tmp") {
                fs::remove_file(&path).map_err(io("remove"))?;
            }
        }
        let journal = store.dir.join(JOURNAL);
        if journal.exists() {
            let ops = decode_ops(&fs::read(&journal).map_err(io("read"))?)?;
            store.apply(&ops)?;
            sync_dir(&store.dir)?;
            fs::remove_file(&journal).map_err(io("remove"))?;
        }
        Ok(store)
    }

    fn path(&self, key: &[u8]) -> PathBuf {
        self.dir.join(format!("k{}", hex(key)))
    }

    fn apply(&self, ops: &[StoreOp]) -> Result<()> {
        for op in ops {
            match op {
                StoreOp::Put { key, value } => write_atomically(&self.path(key), value)?,
                StoreOp::Delete { key } => match fs::remove_file(self.path(key)) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(io("remove")(e));
                    }
                    _ => {}
                },
            }
        }
        Ok(())
    }

    /// Writes the journal of `ops` through `journal.tmp`; its rename, made durable, is the
    /// commit point.
    pub(crate) fn write_journal(&self, ops: &[StoreOp]) -> Result<()> {
        write_atomically(&self.dir.join(JOURNAL), &encode_ops(ops)?)?;
        sync_dir(&self.dir)
    }
}

impl Store for FileStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        check_key(key)?;
        match fs::read(self.path(key)) {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io("read")(e)),
        }
    }

    fn batch(&mut self, ops: &[StoreOp]) -> Result<()> {
        for op in ops {
            check_key(op.key())?;
        }
        self.write_journal(ops)?;
        self.apply(ops)?;
        // The journal goes only once what it describes is durable.
        sync_dir(&self.dir)?;
        fs::remove_file(self.dir.join(JOURNAL)).map_err(io("remove"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    const JOURNAL_TMP: &str = "journal.tmp";

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("treekem-mls-store-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn exercise(store: &mut impl Store) {
        assert_eq!(store.get(b"a").unwrap(), None);
        store.put(b"a", b"1").unwrap();
        store
            .batch(&[
                StoreOp::Put {
                    key: b"b".to_vec(),
                    value: b"2".to_vec(),
                },
                StoreOp::Delete { key: b"a".to_vec() },
                StoreOp::Put {
                    key: b"c".to_vec(),
                    value: vec![],
                },
            ])
            .unwrap();
        assert_eq!(store.get(b"a").unwrap(), None);
        assert_eq!(store.get(b"b").unwrap(), Some(b"2".to_vec()));
        assert_eq!(store.get(b"c").unwrap(), Some(vec![]));
        store.delete(b"absent").unwrap();
        // A batch with one bad key writes nothing.
        let long = vec![0; MAX_KEY_LEN + 1];
        let bad = [
            StoreOp::Put {
                key: b"d".to_vec(),
                value: b"4".to_vec(),
            },
            StoreOp::Delete { key: long.clone() },
        ];
        assert!(store.batch(&bad).is_err());
        assert_eq!(store.get(b"d").unwrap(), None);
        assert!(store.get(&long).is_err());
    }

    #[test]
    fn memory_store_semantics() {
        let mut store = MemoryStore::new();
        exercise(&mut store);
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn file_store_semantics_and_persistence() {
        let dir = temp_dir("semantics");
        let mut store = FileStore::open(&dir).unwrap();
        exercise(&mut store);
        drop(store);
        let store = FileStore::open(&dir).unwrap();
        assert_eq!(store.get(b"b").unwrap(), Some(b"2".to_vec()));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn file_store_recovers_a_committed_batch_and_drops_an_uncommitted_one() {
        let dir = temp_dir("crash");
        let mut store = FileStore::open(&dir).unwrap();
        store.put(b"epoch", b"1").unwrap();
        // Crash after the commit point: reopening completes the batch.
        let ops = [
            StoreOp::Put {
                key: b"epoch".to_vec(),
                value: b"2".to_vec(),
            },
            StoreOp::Put {
                key: b"node-3".to_vec(),
                value: b"x".to_vec(),
            },
        ];
        store.write_journal(&ops).unwrap();
        drop(store);
        let store = FileStore::open(&dir).unwrap();
        assert_eq!(store.get(b"epoch").unwrap(), Some(b"2".to_vec()));
        assert_eq!(store.get(b"node-3").unwrap(), Some(b"x".to_vec()));
        // Crash before the commit point (only journal.tmp written): nothing happens.
        fs::write(
            dir.join(JOURNAL_TMP),
            encode_ops(&[StoreOp::Delete {
                key: b"epoch".to_vec(),
            }])
            .unwrap(),
        )
        .unwrap();
        drop(store);
        let store = FileStore::open(&dir).unwrap();
        assert_eq!(store.get(b"epoch").unwrap(), Some(b"2".to_vec()));
        assert!(!dir.join(JOURNAL_TMP).exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_journal_is_an_error_not_a_panic() {
        let dir = temp_dir("corrupt");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(JOURNAL), [0x05, 9, 9]).unwrap();
        assert!(matches!(FileStore::open(&dir), Err(Error::Decode(_))));
        fs::remove_dir_all(&dir).unwrap();
    }
}
