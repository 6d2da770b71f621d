//! Rendering a chart to both formats and writing the files.
//!
//! Both images are rendered in memory before anything touches the disk, and
//! each file is written to a temporary sibling and renamed, so a crash or a
//! drawing error never leaves a half-written or mismatched PNG/SVG pair for a
//! report to pick up.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, IntoDrawingArea};
use plotters::prelude::{BitMapBackend, DrawingBackend, SVGBackend};

use super::style::ensure_fonts;
use super::PlotError;

/// Image width in pixels (PNG) and user units (SVG).
pub const CHART_WIDTH: u32 = 1200;
/// Image height in pixels (PNG) and user units (SVG).
pub const CHART_HEIGHT: u32 = 700;

/// A chart with its data already validated, drawable on either backend so
/// the PNG and the SVG come from the same code and cannot drift apart.
pub(crate) trait Chart {
    fn draw<DB: Surface>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>;
}

/// The one backend difference charts must know about.
pub(crate) trait Surface: DrawingBackend {
    /// plotters' bitmap rasteriser fills a thick polyline as a single
    /// polygon, so where a path doubles back within its own width (a lag
    /// spike narrower than the line) the overlaps cancel and the line
    /// vanishes. Raster surfaces therefore get thick lines built from 1-px
    /// ones; SVG keeps one stroked polyline.
    const RASTER: bool;
}

impl Surface for BitMapBackend<'_> {
    const RASTER: bool = true;
}

impl Surface for SVGBackend<'_> {
    const RASTER: bool = false;
}

/// Renders `chart` and writes `<stem>.png` and `<stem>.svg`.
pub(crate) fn write_chart<C: Chart>(stem: &Path, chart: &C) -> Result<Vec<PathBuf>, PlotError> {
    if stem.file_name().is_none() {
        return Err(PlotError::InvalidInput(format!(
            "output stem {} has no file name",
            stem.display()
        )));
    }
    ensure_fonts()?;
    let png = render_png(chart)?;
    let svg = render_svg(chart)?;
    if let Some(dir) = stem.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| PlotError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let png_path = with_suffix(stem, ".png");
    let svg_path = with_suffix(stem, ".svg");
    write_atomic(&png_path, &png)?;
    write_atomic(&svg_path, svg.as_bytes())?;
    Ok(vec![png_path, svg_path])
}

/// Appends rather than replaces an extension: stems like `rpo.p99` must
/// keep their dot.
fn with_suffix(stem: &Path, suffix: &str) -> PathBuf {
    let mut s: OsString = stem.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn render_png<C: Chart>(chart: &C) -> Result<Vec<u8>, PlotError> {
    let mut rgb = vec![0u8; CHART_WIDTH as usize * CHART_HEIGHT as usize * 3];
    {
        let root =
            BitMapBackend::with_buffer(&mut rgb, (CHART_WIDTH, CHART_HEIGHT)).into_drawing_area();
        chart.draw(&root)?;
        root.present()?;
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, CHART_WIDTH, CHART_HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgb)?;
    writer.finish()?;
    Ok(out)
}

fn render_svg<C: Chart>(chart: &C) -> Result<String, PlotError> {
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (CHART_WIDTH, CHART_HEIGHT)).into_drawing_area();
        chart.draw(&root)?;
        root.present()?;
    }
    Ok(svg)
}

/// Writes via `.<name>.<pid>.tmp` in the same directory (so the rename stays
/// on one filesystem and is atomic); the pid keeps two processes writing the
/// same chart from clobbering each other's temp file.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let io_err = |p: &Path| {
        let p = p.to_path_buf();
        move |source| PlotError::Io { path: p, source }
    };
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        })
        .map_err(io_err(&tmp))
        .and_then(|()| std::fs::rename(&tmp, path).map_err(io_err(path)));
    if result.is_err() {
        // Best effort: the original error matters more than a leftover.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Checks shared by the chart tests.

    use std::path::{Path, PathBuf};

    use super::{CHART_HEIGHT, CHART_WIDTH};
    use crate::plot::Provenance;

    /// A fresh directory per test so parallel tests never share files;
    /// removed again when the test ends.
    pub(crate) struct TestDir(PathBuf);

    impl std::ops::Deref for TestDir {
        type Target = Path;
        fn deref(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TestDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    pub(crate) fn temp_dir(test: &str) -> TestDir {
        let dir = std::env::temp_dir().join(format!("drsim_plot_{}_{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TestDir(dir)
    }

    pub(crate) fn prov() -> Provenance {
        Provenance {
            scenario: "two-region-async".into(),
            scenario_hash: "9f86d081884c7d659a2feaa0c55ad015".into(),
            seed: 42,
            runs: 1000,
            drsim_version: "0.1.0".into(),
        }
    }

    /// Decodes the PNG, checks its size and that it is not a blank canvas.
    pub(crate) fn check_png(path: &Path) {
        let bytes = std::fs::read(path).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (CHART_WIDTH, CHART_HEIGHT));
        let pixels = &buf[..info.buffer_size()];
        let non_white = pixels
            .chunks(3)
            .filter(|p| p.iter().any(|c| *c < 250))
            .count();
        let total = pixels.len() / 3;
        assert!(
            non_white > total / 100,
            "only {non_white} of {total} pixels drawn"
        );
        let mut colours: Vec<&[u8]> = pixels.chunks(3).collect();
        colours.sort_unstable();
        colours.dedup();
        assert!(
            colours.len() > 10,
            "only {} distinct colours",
            colours.len()
        );
    }

    /// Structural checks on the SVG text; returns it for further asserts.
    pub(crate) fn check_svg(path: &Path, title: &str) -> String {
        let svg = std::fs::read_to_string(path).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
        assert!(svg.contains(&format!("width=\"{CHART_WIDTH}\"")));
        assert!(svg.contains(&format!("height=\"{CHART_HEIGHT}\"")));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains(title), "title {title:?} missing");
        for part in [
            "two-region-async",
            "seed 42",
            "1,000 runs",
            "9f86d081884c",
            "drsim 0.1.0",
        ] {
            assert!(svg.contains(part), "caption lacks {part:?}");
        }
        svg
    }

    /// Files left in `dir` whose name marks them as temporaries.
    pub(crate) fn leftover_temps(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_keeps_dots_in_stem() {
        assert_eq!(
            with_suffix(Path::new("out/rpo.p99"), ".svg"),
            PathBuf::from("out/rpo.p99.svg")
        );
    }

    #[test]
    fn atomic_write_replaces_and_cleans_up() {
        let dir = test_support::temp_dir("atomic");
        let path = dir.join("a.txt");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert!(test_support::leftover_temps(&dir).is_empty());
        let missing = dir.join("no/such/dir/a.txt");
        assert!(matches!(
            write_atomic(&missing, b"x"),
            Err(PlotError::Io { .. })
        ));
    }
}
