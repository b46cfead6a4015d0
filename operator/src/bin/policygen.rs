//! Writes the chart's ValidatingAdmissionPolicy template for the universes' API accounts,
//! generated from the CRD, to each path given, or to stdout without arguments:
//! `cargo run -p sector-operator --bin policygen -- charts/sector-operator/templates/api-account-policy.yaml`

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    let template = sector_operator::api_policy::template()?;
    let paths: Vec<_> = std::env::args_os().skip(1).collect();
    if paths.is_empty() {
        print!("{template}");
    }
    for path in paths {
        std::fs::write(&path, &template).with_context(|| format!("writing {}", path.to_string_lossy()))?;
    }
    Ok(())
}
