//! Bounded reads of the files drsim is handed: every reader of a scenario,
//! a `summary.json`, a `shard.json` or a CSV goes through here.
//!
//! Why: a path can name anything. `/dev/zero` or a 50 GB file read whole
//! exhausts memory; a FIFO without a writer blocks `open(2)` forever; a
//! directory fails late with a confusing error. So a file is opened once,
//! without blocking (`O_NONBLOCK` on Unix: opening a FIFO returns at once),
//! checked with `fstat` on that same descriptor to be a regular file (no
//! window between the check and the read), refused when larger than its
//! kind's limit, and read with a cap of the size `fstat` reported, so a file
//! that grows meanwhile cannot make the read unbounded.
//!
//! Errors are [`std::io::Error`]s whose message does not repeat the path:
//! every caller already wraps them with the file's name, and each message
//! reads as the rest of a sentence about the file ("is a directory, ..."). A file over its
//! limit has kind [`ErrorKind::FileTooLarge`]; a directory
//! [`ErrorKind::IsADirectory`]; a FIFO, socket or device
//! [`ErrorKind::InvalidInput`].

use std::fs::File;
use std::io::{self, ErrorKind, Read, Take};
use std::path::Path;

/// Largest scenario file accepted (bytes): a real one is a few kilobytes,
/// and refusing huge inputs up front bounds the parser's memory.
pub const MAX_SCENARIO_BYTES: u64 = 1 << 20;
/// Largest `summary.json` read by `compare` and `plot` (bytes): real ones
/// are 10–30 KB; JSON parsing holds a few times the text in memory.
pub const MAX_SUMMARY_BYTES: u64 = 16 << 20;
/// Largest `shard.json` read by `merge` (bytes): real ones are tens of KB
/// (the aggregate's histograms, a few KB each, compressed).
pub const MAX_SHARD_STATE_BYTES: u64 = 64 << 20;
/// Largest CSV loaded whole to draw charts (`incidents.csv`, `timeline.csv`,
/// `sweep.csv`) (bytes): about 1.3 million incidents; the rows held as text
/// take several times the file's size in memory.
pub const MAX_CHART_CSV_BYTES: u64 = 256 << 20;

/// What a file is read as; decides its size limit and how it is named in
/// messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// A scenario TOML file.
    Scenario,
    /// A `summary.json` written by `run` or `merge`.
    Summary,
    /// A `shard.json` written by `run --shard`.
    ShardState,
    /// A CSV loaded whole to draw a chart.
    ChartCsv,
    /// A CSV streamed through a fixed buffer (`merge` concatenating the
    /// shards' CSVs): memory does not grow with it, so its only bound is
    /// the size `fstat` reported when it was opened.
    StreamedCsv,
}

impl InputKind {
    /// Largest accepted size in bytes (`u64::MAX` for streamed files).
    pub const fn limit(self) -> u64 {
        match self {
            InputKind::Scenario => MAX_SCENARIO_BYTES,
            InputKind::Summary => MAX_SUMMARY_BYTES,
            InputKind::ShardState => MAX_SHARD_STATE_BYTES,
            InputKind::ChartCsv => MAX_CHART_CSV_BYTES,
            InputKind::StreamedCsv => u64::MAX,
        }
    }

    /// The kind in words, for messages ("scenario files are limited to ...").
    pub const fn noun(self) -> &'static str {
        match self {
            InputKind::Scenario => "scenario files",
            InputKind::Summary => "summary.json files",
            InputKind::ShardState => "shard.json files",
            InputKind::ChartCsv => "CSV files drawn as charts",
            InputKind::StreamedCsv => "CSV files",
        }
    }
}

/// Opens `path` once, without blocking, and checks on the open descriptor
/// that it is a regular file within `kind`'s limit. Returns the file limited
/// to the length `fstat` reported.
pub fn open_bounded(path: &Path, kind: InputKind) -> io::Result<Take<File>> {
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(&meta.file_type()));
    }
    let len = meta.len();
    if len > kind.limit() {
        return Err(too_large(len, kind));
    }
    Ok(file.take(len))
}

/// The whole of a regular file within `kind`'s limit (see [`open_bounded`]).
pub fn read_bounded(path: &Path, kind: InputKind) -> io::Result<Vec<u8>> {
    let mut reader = open_bounded(path, kind)?;
    // The limit the reader carries is the file's size: a sound capacity.
    let mut bytes = Vec::with_capacity(usize::try_from(reader.limit()).unwrap_or(0));
    reader.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// [`read_bounded`] as UTF-8 text.
pub fn read_bounded_to_string(path: &Path, kind: InputKind) -> io::Result<String> {
    String::from_utf8(read_bounded(path, kind)?).map_err(|e| {
        io::Error::new(
            ErrorKind::InvalidData,
            format!(
                "is not valid UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: opening a FIFO with no writer returns at once instead of
    // waiting for one; it changes nothing for the regular files read here.
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

fn not_regular(file_type: &std::fs::FileType) -> io::Error {
    if file_type.is_dir() {
        return io::Error::new(
            ErrorKind::IsADirectory,
            "is a directory, not a file; pass the file inside it",
        );
    }
    io::Error::new(
        ErrorKind::InvalidInput,
        format!(
            "is {}, not a regular file; drsim reads its inputs only from regular files \
             (save the data to a file first)",
            special_kind(file_type)
        ),
    )
}

#[cfg(unix)]
fn special_kind(file_type: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_fifo() {
        "a FIFO (named pipe)"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

fn too_large(len: u64, kind: InputKind) -> io::Error {
    io::Error::new(
        ErrorKind::FileTooLarge,
        format!(
            "is {len} bytes; {} are limited to {} bytes",
            kind.noun(),
            kind.limit()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn temp(name: &str, bytes: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("drsim-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn reads_a_regular_file_whole() {
        let path = temp("ok.json", b"{\"runs\": 1}");
        assert_eq!(
            read_bounded(&path, InputKind::Summary).unwrap(),
            b"{\"runs\": 1}"
        );
        assert_eq!(
            read_bounded_to_string(&path, InputKind::Summary).unwrap(),
            "{\"runs\": 1}"
        );
    }

    #[test]
    fn refuses_a_file_one_byte_over_its_limit() {
        let at = temp("at.toml", &vec![b'#'; MAX_SCENARIO_BYTES as usize]);
        assert_eq!(
            read_bounded(&at, InputKind::Scenario).unwrap().len() as u64,
            MAX_SCENARIO_BYTES
        );
        let over = temp("over.toml", &vec![b'#'; MAX_SCENARIO_BYTES as usize + 1]);
        let e = read_bounded(&over, InputKind::Scenario).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::FileTooLarge);
        assert!(
            e.to_string()
                .contains("scenario files are limited to 1048576 bytes"),
            "{e}"
        );
    }

    #[test]
    fn refuses_directories_and_devices() {
        let dir = std::env::temp_dir();
        let e = read_bounded(&dir, InputKind::Summary).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IsADirectory, "{e}");
        if cfg!(unix) {
            let e = read_bounded(Path::new("/dev/zero"), InputKind::Summary).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
            assert!(e.to_string().contains("a character device"), "{e}");
        }
    }

    #[test]
    fn names_invalid_utf8_by_offset() {
        let path = temp("latin1.toml", b"ab\xe9");
        let e = read_bounded_to_string(&path, InputKind::Scenario).unwrap_err();
        assert!(e.to_string().contains("offset 2"), "{e}");
    }
}
