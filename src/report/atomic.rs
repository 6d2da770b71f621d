//! Files appear whole or not at all: everything is written to a temporary
//! file in the destination folder and renamed over the final name, so an
//! interrupted run never leaves a half-written output.
//!
//! Every error says which file could not be written, by the name the user
//! knows it under (inside a staged output folder, its final place: see
//! [`folder::public_path`]): "cannot write out/x/runs.csv: No space left
//! on device". The temporary file is removed on every error, the failed
//! commit included.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::folder;

/// Bytes gathered before a write system call: a run's CSVs reach tens of
/// megabytes, and at the default 8 KiB their thousands of calls were a
/// serial cost of the in-order fold.
const WRITE_BUFFER: usize = 1 << 20;

/// Bytes written between two background writebacks (see `AtomicFile`).
const WRITEBACK_EVERY: u64 = 16 << 20;

/// A file being written; becomes visible under its final name on `commit`.
/// Dropping it uncommitted removes the temporary file.
///
/// `commit` syncs the data before the rename, so a crash never leaves a
/// renamed but empty file. For tens of megabytes that sync is a serial
/// stall at the end of a run; so every `WRITEBACK_EVERY` bytes a background
/// thread syncs what was written so far, while the run goes on, and the
/// final sync has only the tail left.
pub struct AtomicFile {
    tmp: PathBuf,
    dest: PathBuf,
    /// `dest` as messages name it.
    public: PathBuf,
    /// Renamed into place: the temporary file is gone.
    committed: bool,
    writer: Option<BufWriter<File>>,
    /// Bytes written since the last writeback started.
    unsynced: u64,
    writeback: Option<std::thread::JoinHandle<io::Result<()>>>,
}

impl AtomicFile {
    pub fn create(dest: &Path) -> io::Result<AtomicFile> {
        let public = folder::public_path(dest);
        let name = dest.file_name().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "cannot write {}: the path has no file name",
                    public.display()
                ),
            )
        })?;
        let tmp = dest.with_file_name(format!(
            ".{}.tmp-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        let file = File::create(&tmp).map_err(|e| naming(&public, e))?;
        Ok(AtomicFile {
            tmp,
            dest: dest.to_path_buf(),
            public,
            committed: false,
            writer: Some(BufWriter::with_capacity(WRITE_BUFFER, file)),
            unsynced: 0,
            writeback: None,
        })
    }

    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer
            .as_mut()
            .expect("writer is present until commit")
    }

    /// Starts syncing what was written so far on a background thread,
    /// unless the previous writeback is still running.
    fn start_writeback(&mut self) -> io::Result<()> {
        if let Some(running) = &self.writeback {
            if !running.is_finished() {
                return Ok(());
            }
        }
        self.finish_writeback()?;
        let writer = self.writer();
        writer.flush()?;
        let file = writer.get_ref().try_clone()?;
        self.writeback = Some(std::thread::spawn(move || file.sync_data()));
        self.unsynced = 0;
        Ok(())
    }

    fn finish_writeback(&mut self) -> io::Result<()> {
        match self.writeback.take() {
            Some(running) => running
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => Ok(()),
        }
    }

    /// Flushes, syncs and renames into place. On an error the temporary
    /// file is removed (when `self` drops).
    pub fn commit(mut self) -> io::Result<PathBuf> {
        self.finish_writeback()
            .map_err(|e| naming(&self.public, e))?;
        let writer = self.writer.take().expect("commit is called once");
        let file = writer
            .into_inner()
            .map_err(|e| naming(&self.public, e.into_error()))?;
        file.sync_all().map_err(|e| naming(&self.public, e))?;
        std::fs::rename(&self.tmp, &self.dest).map_err(|e| naming(&self.public, e))?;
        self.committed = true;
        Ok(self.dest.clone())
    }
}

/// `e`, saying which file it is about (once: an error already naming it is
/// passed on as it is).
fn naming(public: &Path, e: io::Error) -> io::Error {
    let prefix = format!("cannot write {}: ", public.display());
    if e.to_string().starts_with(&prefix) {
        return e;
    }
    io::Error::new(e.kind(), format!("{prefix}{}", folder::bare(&e)))
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: the file is being discarded either way.
            if let Some(running) = self.writeback.take() {
                let _ = running.join();
            }
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Lets a streaming writer (the CSV exporters) write into the temporary file.
impl io::Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self
            .writer()
            .write(buf)
            .map_err(|e| naming(&self.public, e))?;
        self.unsynced += n as u64;
        if self.unsynced >= WRITEBACK_EVERY {
            self.start_writeback()
                .map_err(|e| naming(&self.public, e))?;
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.writer().flush().map_err(|e| naming(&self.public, e))
    }
}

/// Writes `bytes` to `dest` atomically.
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
    let mut f = AtomicFile::create(dest)?;
    f.write_all(bytes)?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncommitted_file_leaves_nothing_behind() {
        let dir = std::env::temp_dir().join(format!("drsim-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let dest = dir.join("a.txt");
        {
            let mut f = AtomicFile::create(&dest).unwrap();
            f.writer().write_all(b"half").unwrap();
        }
        assert!(!dest.exists());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        write_atomic(&dest, b"whole").unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"whole");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Past `WRITEBACK_EVERY` bytes the background syncs start; the
    /// committed file is still exactly what was written, and a dropped one
    /// still leaves nothing.
    #[test]
    fn large_files_commit_whole_through_background_writeback() {
        let dir = std::env::temp_dir().join(format!("drsim-writeback-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let dest = dir.join("big.csv");
        let line: Vec<u8> = (0..=255u8).cycle().take(4099).collect();
        let lines = (3 * WRITEBACK_EVERY as usize) / line.len();
        for commit in [false, true] {
            let mut f = AtomicFile::create(&dest).unwrap();
            for _ in 0..lines {
                f.write_all(&line).unwrap();
            }
            assert!(f.writeback.is_some(), "a writeback started");
            if commit {
                f.commit().unwrap();
            }
        }
        let back = std::fs::read(&dest).unwrap();
        assert_eq!(back.len(), lines * line.len());
        assert!(back.chunks(line.len()).all(|c| c == line.as_slice()));
        std::fs::remove_file(&dest).unwrap();
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
