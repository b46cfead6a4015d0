//! Writes the `SectorUniverse` CRD YAML generated from the Rust types to each path given, or to
//! stdout without arguments:
//! `cargo run -p sector-operator --bin crdgen -- crds/sectoruniverse.yaml charts/sector-operator/crds/sectoruniverse.yaml`

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    let yaml = sector_operator::crd::crd_yaml()?;
    let paths: Vec<_> = std::env::args_os().skip(1).collect();
    if paths.is_empty() {
        print!("{yaml}");
    }
    for path in paths {
        std::fs::write(&path, &yaml).with_context(|| format!("writing {}", path.to_string_lossy()))?;
    }
    Ok(())
}
