//! `sector conformance` over the golden traces (tests/golden), and its failure reporting.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn golden_dir() -> PathBuf {
    std::env::var_os("SECTOR_GOLDEN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden"))
}

fn sector(args: &[&std::ffi::OsStr]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_sector")).args(args).output().expect("sector runs");
    let text = String::from_utf8_lossy(&output.stdout).to_string() + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[test]
fn every_golden_trace_replays_without_mismatch() {
    let dir = golden_dir();
    let (ok, out) = sector(&["conformance".as_ref(), dir.as_os_str()]);
    assert!(ok, "{out}");
    let files = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().to_string_lossy().ends_with(".jsonl.gz"))
        .count();
    assert!(out.contains(&format!("{files} files,")), "{out}");
    assert!(out.contains(" 0 mismatches"), "{out}");
    assert!(!out.contains("MISMATCH"), "{out}");
}

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("sector-conformance-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write_gz(path: &Path, lines: &[String]) {
    let file = std::fs::File::create(path).unwrap();
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    for line in lines {
        writeln!(gz, "{line}").unwrap();
    }
    gz.finish().unwrap();
}

fn read_gz(path: &Path) -> Vec<String> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).unwrap();
    std::io::BufReader::new(flate2::read::GzDecoder::new(file)).lines().map(Result::unwrap).collect()
}

#[test]
fn a_tampered_trace_reports_tick_path_and_values_and_fails() {
    let scratch = Scratch::new("tampered");
    let mut lines: Vec<String> =
        read_gz(&golden_dir().join("rules-seed-1.jsonl.gz")).into_iter().take(40).collect();
    let mut line: serde_json::Value = serde_json::from_str(&lines[25]).unwrap();
    line["state"]["systems"][4]["heat"] = serde_json::json!(2.5);
    lines[25] = line.to_string();
    write_gz(&scratch.0.join("rules-seed-1.jsonl.gz"), &lines);
    let (ok, out) = sector(&["conformance".as_ref(), scratch.0.as_os_str()]);
    assert!(!ok, "{out}");
    assert!(out.contains("MISMATCH line 25 tick 25: state.systems[4].heat: expected 2.5"), "{out}");
    assert!(out.contains("1 files, 24 ticks, 1 mismatches"), "{out}");
}

#[test]
fn an_empty_or_missing_directory_is_a_clear_error() {
    let scratch = Scratch::new("empty");
    let (ok, out) = sector(&["conformance".as_ref(), scratch.0.as_os_str()]);
    assert!(!ok);
    assert!(out.contains("no trace files"), "{out}");
    let (ok, out) = sector(&["conformance".as_ref(), "/nonexistent/sector".as_ref()]);
    assert!(!ok);
    assert!(out.contains("reading trace directory"), "{out}");
}

#[test]
fn preview_prints_the_snapshot_of_seed_42() {
    let (ok, out) = sector(&["preview".as_ref(), "--seed".as_ref(), "42".as_ref()]);
    assert!(ok, "{out}");
    let snapshot: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(snapshot["generator_seed"], 42);
    assert_eq!(snapshot["systems"].as_array().unwrap().len(), 30);
    assert_eq!(snapshot["systems"][0]["x"], 0.6394267984578837);
    assert_eq!(snapshot["lanes"].as_array().unwrap().len(), 29);
    assert_eq!(snapshot["fleets"][0]["system_id"], 24);
    let (ok, out) = sector(&["preview".as_ref(), "--seed".as_ref(), "  ".as_ref()]);
    assert!(!ok);
    assert!(out.contains("blank"), "{out}");
    let (ok, out) =
        sector(&["preview".as_ref(), "--seed".as_ref(), "1".as_ref(), "--systems".as_ref(), "0".as_ref()]);
    assert!(!ok);
    assert!(out.contains("--systems"), "{out}");
}
