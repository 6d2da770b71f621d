//! An output folder holds one run: a command (`run`, `run --shard`,
//! `sweep`, `trace`, `merge`) writes its files into a fresh hidden folder
//! next to the target (`.NAME.tmp-PID-N`) and renames it into place as its
//! last step, so an observer of the target sees the previous complete
//! result, the new complete result, or nothing, never a mix of two runs.
//!
//! Rules (see the README, "Output folders"):
//!
//! - The target must be absent or an empty folder, unless `--force`.
//! - `--force` replaces a folder that holds only drsim outputs (the names in
//!   [`OUTPUT_NAMES`], charts `*.png` / `*.svg`, temporary `.NAME.tmp-*`
//!   files; beside a `comparison.csv`, the scenario folders of a
//!   side-by-side run holding only such files): on Linux (glibc) in one atomic exchange (`renameat2(RENAME_EXCHANGE)`),
//!   elsewhere by two renames with the target briefly absent. A folder
//!   holding anything else (a note, a subfolder) is never replaced.
//! - The temporary folder is removed when the command fails (the [`Staged`]
//!   value is dropped), on a second Ctrl-C ([`remove_temporaries`], called
//!   by [`guard::install_ctrlc`](crate::guard::install_ctrlc)), and, after a
//!   `kill -9`, by the next command staging a folder next to it (Linux: its
//!   process no longer exists).

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The files drsim writes into an output folder.
pub const OUTPUT_NAMES: [&str; 13] = [
    "summary.json",
    "comparison.csv",
    "report.html",
    "runs.csv",
    "incidents.csv",
    "provenance.json",
    "shard.json",
    "sweep.csv",
    "frontier.csv",
    "trace.csv",
    "trace.json",
    "timeline.csv",
    "decide.csv",
];

/// Temporary folders of this process not yet published or removed, with
/// their targets: for [`remove_temporaries`] and [`public_path`].
static TEMPORARIES: Mutex<Vec<(PathBuf, PathBuf)>> = Mutex::new(Vec::new());

/// Distinguishes the temporary folders one process stages.
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// Why an output folder cannot be used or published; every message names
/// the folder.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    #[error(
        "{} already holds results ({}); pass --force to replace them or choose another --out",
        .target.display(), .found.join(", ")
    )]
    HoldsResults { target: PathBuf, found: Vec<String> },
    #[error(
        "{} holds files drsim did not write ({}); drsim writes only into a new or empty folder, or \
         replaces (--force) one holding its own results: choose another --out",
        .target.display(), .foreign.join(", ")
    )]
    HoldsOtherFiles {
        target: PathBuf,
        foreign: Vec<String>,
    },
    #[error("{} exists and is not a folder; choose another --out", .0.display())]
    NotAFolder(PathBuf),
    #[error("{} is an input of this command; choose another --out", .0.display())]
    IsInput(PathBuf),
    #[error("cannot {action} {}: {}", .path.display(), bare(.source))]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
}

impl FolderError {
    fn io(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> FolderError {
        let path = path.to_path_buf();
        move |source| FolderError::Io {
            action,
            path,
            source,
        }
    }
}

/// An I/O error's message without the ` (os error N)` suffix that the
/// standard library appends (the text already says it).
pub fn bare(e: &io::Error) -> String {
    let text = e.to_string();
    match e.raw_os_error() {
        Some(code) => text
            .strip_suffix(&format!(" (os error {code})"))
            .map_or_else(|| text.clone(), str::to_string),
        None => text,
    }
}

/// A command's output folder being written: write into [`Staged::path`],
/// then [`Staged::publish`]. Dropped unpublished, it removes what was
/// written.
#[derive(Debug)]
pub struct Staged {
    target: PathBuf,
    temp: PathBuf,
    /// The target holds earlier results that `--force` replaces.
    replace: bool,
    published: bool,
}

/// Checks that `target` may receive a command's results (see the module
/// rules) and creates the temporary folder next to it.
pub fn stage(target: &Path, force: bool) -> Result<Staged, FolderError> {
    let replace = check_target(target, force)?;
    let name = target
        .file_name()
        .map(OsString::from)
        .unwrap_or_else(|| OsString::from("out"));
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(FolderError::io("create", &parent))?;
    remove_stale(&parent, &name);
    let temp = parent.join(format!(
        ".{}.tmp-{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir(&temp).map_err(FolderError::io("create", &temp))?;
    registry().push((temp.clone(), target.to_path_buf()));
    Ok(Staged {
        target: target.to_path_buf(),
        temp,
        replace,
        published: false,
    })
}

/// [`stage`] for a command that reads `inputs` (folders): refuses a target
/// that is one of them, which `--force` would otherwise replace.
pub fn stage_apart_from(
    target: &Path,
    force: bool,
    inputs: &[PathBuf],
) -> Result<Staged, FolderError> {
    if let Ok(t) = target.canonicalize() {
        if let Some(input) = inputs
            .iter()
            .find(|i| i.canonicalize().ok() == Some(t.clone()))
        {
            return Err(FolderError::IsInput(input.clone()));
        }
    }
    stage(target, force)
}

/// Whether `target` holds results to replace; an error when it may not be
/// written at all.
fn check_target(target: &Path, force: bool) -> Result<bool, FolderError> {
    let meta = match std::fs::symlink_metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(FolderError::io("read", target)(e)),
    };
    if !meta.is_dir() {
        return Err(FolderError::NotAFolder(target.to_path_buf()));
    }
    let (mut found, mut foreign) = (Vec::new(), Vec::new());
    let comparison = target.join("comparison.csv").is_file();
    let entries = std::fs::read_dir(target).map_err(FolderError::io("read", target))?;
    for entry in entries {
        let entry = entry.map_err(FolderError::io("read", target))?;
        let name = entry.file_name().to_string_lossy().to_string();
        let kind = entry.file_type().ok();
        let is_file = kind.is_some_and(|t| t.is_file());
        let is_dir = kind.is_some_and(|t| t.is_dir());
        if (is_file && is_output_name(&name))
            || (comparison && is_dir && holds_only_outputs(&entry.path()))
        {
            found.push(name);
        } else {
            foreign.push(name);
        }
    }
    found.sort();
    foreign.sort();
    if !foreign.is_empty() {
        return Err(FolderError::HoldsOtherFiles {
            target: target.to_path_buf(),
            foreign,
        });
    }
    if !found.is_empty() && !force {
        return Err(FolderError::HoldsResults {
            target: target.to_path_buf(),
            found,
        });
    }
    Ok(!found.is_empty())
}

/// A scenario folder of a side-by-side run: files drsim writes, nothing else.
fn holds_only_outputs(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.into_iter().all(|e| {
            e.is_ok_and(|e| {
                e.file_type().is_ok_and(|t| t.is_file())
                    && is_output_name(&e.file_name().to_string_lossy())
            })
        })
    })
}

/// A name drsim writes into an output folder.
fn is_output_name(name: &str) -> bool {
    OUTPUT_NAMES.contains(&name)
        || name.ends_with(".png")
        || name.ends_with(".svg")
        || (name.starts_with('.') && name.contains(".tmp-"))
}

/// Removes the temporary folders of `name` left next to it by processes
/// that no longer exist (killed with `kill -9`). Only where process
/// liveness can be read (Linux `/proc`); best effort.
fn remove_stale(parent: &Path, name: &std::ffi::OsStr) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let prefix = format!(".{}.tmp-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().to_string();
        let Some(rest) = file.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or_default();
        let dead = pid.parse::<u32>().is_ok_and(|pid| {
            pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists()
        });
        if dead {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Staged {
    /// Where the command writes its files.
    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// The folder the results will be in.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Renames the written folder into place, replacing the earlier results
    /// when forced; the last step of a command. Holds the registry's lock
    /// throughout, so [`abandon_and_exit`] (a second Ctrl-C) never removes a
    /// folder in the middle of its rename.
    pub fn publish(mut self) -> Result<PathBuf, FolderError> {
        sync_dir(&self.temp);
        let mut temporaries = registry();
        let renamed = if self.replace {
            exchange(&self.temp, &self.target)
                .map_err(FolderError::io("publish the results as", &self.target))
        } else {
            std::fs::rename(&self.temp, &self.target)
                .map_err(FolderError::io("publish the results as", &self.target))
        };
        let moved_aside = match renamed {
            Ok(()) => self.replace,
            Err(e) if self.replace => {
                // No atomic exchange here: two renames, the target briefly absent.
                drop(e);
                replace_in_two_steps(&self.temp, &self.target)?;
                true
            }
            Err(e) => return Err(e),
        };
        self.published = true;
        temporaries.retain(|(t, _)| t != &self.temp);
        drop(temporaries);
        if let Some(parent) = self.target.parent() {
            sync_dir(parent);
        }
        if moved_aside {
            // The earlier results are at `temp` now.
            std::fs::remove_dir_all(&self.temp)
                .map_err(FolderError::io("remove the earlier results at", &self.temp))?;
        }
        Ok(self.target.clone())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.temp);
            unregister(&self.temp);
        }
    }
}

/// Puts `temp` in the place of the folder `target` by two renames (where
/// no atomic exchange exists), leaving the earlier results at `temp`.
fn replace_in_two_steps(temp: &Path, target: &Path) -> Result<(), FolderError> {
    let aside = PathBuf::from(format!("{}-old", temp.display()));
    std::fs::rename(target, &aside)
        .map_err(FolderError::io("move the earlier results out of", target))?;
    if let Err(e) = std::fs::rename(temp, target) {
        let _ = std::fs::rename(&aside, target);
        return Err(FolderError::io("publish the results as", target)(e));
    }
    std::fs::rename(&aside, temp).map_err(FolderError::io("remove the earlier results at", &aside))
}

/// Swaps two paths in one step (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes()).map_err(|_| io::Error::other("NUL byte in a path"))
    };
    let (ca, cb) = (c(a)?, c(b)?);
    // SAFETY: both pointers are valid NUL-terminated strings for the call.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Makes a rename durable (best effort: not every platform syncs folders).
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

fn registry() -> std::sync::MutexGuard<'static, Vec<(PathBuf, PathBuf)>> {
    TEMPORARIES.lock().unwrap_or_else(|p| p.into_inner())
}

fn unregister(temp: &Path) {
    registry().retain(|(t, _)| t != temp);
}

/// Removes every temporary folder of this process and exits with `code`
/// (a second Ctrl-C: destructors do not run). The registry's lock is held
/// until the process ends, so no folder is published meanwhile: the targets
/// keep their earlier results, or stay absent.
pub fn abandon_and_exit(code: i32) -> ! {
    let mut temporaries = registry();
    for (temp, _) in temporaries.drain(..) {
        let _ = std::fs::remove_dir_all(temp);
    }
    std::process::exit(code)
}

/// Removes every temporary folder of this process (tests of the cleanup).
#[cfg(test)]
fn remove_temporaries() {
    for (temp, _) in registry().drain(..) {
        let _ = std::fs::remove_dir_all(temp);
    }
}

/// The path a user knows a file by: inside a staged folder, the same file in
/// its target (what messages about the file should name).
pub fn public_path(path: &Path) -> PathBuf {
    for (temp, target) in registry().iter() {
        if let Ok(rest) = path.strip_prefix(temp) {
            return target.join(rest);
        }
    }
    path.to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The staging tests take turns: `remove_temporaries` (the Ctrl-C
    /// path) deletes every staged folder of the process, so one test
    /// calling it while another has a folder staged would delete that one
    /// (the race `cargo test` hit about half the time).
    fn serial() -> std::sync::MutexGuard<'static, ()> {
        static TURN: Mutex<()> = Mutex::new(());
        TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("drsim-folder-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn publishes_whole_and_replaces_only_when_forced() {
        let _turn = serial();
        let root = scratch("publish");
        let target = root.join("res");
        let s = stage(&target, false).unwrap();
        std::fs::write(s.path().join("runs.csv"), "a").unwrap();
        assert!(!target.exists(), "nothing visible before publishing");
        assert_eq!(
            public_path(&s.path().join("runs.csv")),
            target.join("runs.csv")
        );
        s.publish().unwrap();
        assert_eq!(names(&target), ["runs.csv"]);
        let e = stage(&target, false).unwrap_err().to_string();
        assert!(e.contains("already holds results (runs.csv)"), "{e}");
        let s = stage(&target, true).unwrap();
        std::fs::write(s.path().join("summary.json"), "b").unwrap();
        s.publish().unwrap();
        assert_eq!(
            names(&target),
            ["summary.json"],
            "the old run is gone whole"
        );
        assert_eq!(names(&root), ["res"], "no temporary left");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn dropped_unpublished_leaves_nothing() {
        let _turn = serial();
        let root = scratch("drop");
        let target = root.join("res");
        {
            let s = stage(&target, false).unwrap();
            std::fs::write(s.path().join("runs.csv"), "half").unwrap();
        }
        assert!(names(&root).is_empty());
        let s = stage(&target, false).unwrap();
        remove_temporaries();
        assert!(!s.path().exists());
        drop(s);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn refuses_folders_holding_other_files_even_when_forced() {
        let _turn = serial();
        let root = scratch("foreign");
        std::fs::write(root.join("notes.txt"), "mine").unwrap();
        std::fs::write(root.join("summary.json"), "{}").unwrap();
        for force in [false, true] {
            let e = stage(&root, force).unwrap_err().to_string();
            assert!(e.contains("did not write (notes.txt)"), "{e}");
        }
        assert_eq!(names(&root), ["notes.txt", "summary.json"]);
        let file = root.join("notes.txt");
        let e = stage(&file, true).unwrap_err().to_string();
        assert!(e.contains("is not a folder"), "{e}");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn io_messages_drop_the_os_error_suffix() {
        let e = io::Error::from_raw_os_error(28);
        assert_eq!(bare(&e), "No space left on device");
    }
}
