//! `cpi verify`: an output folder against its manifest.json.

use crate::catalogue;
use crate::error::{CpiError, Result};
use crate::manifest::MANIFEST_FILE;
use crate::storage::Location;

/// Every output listed in manifest.json has the recorded size and SHA-256, every output of the
/// catalogue is listed, and the folder holds nothing else. Works on any location. Returns the
/// files checked.
pub async fn verify(output: &str) -> Result<Vec<String>> {
    let dir = Location::connect(output)?;
    let manifest_name = dir.name_of(MANIFEST_FILE);
    if !dir.exists(MANIFEST_FILE).await? {
        return Err(CpiError::bad_input(&manifest_name, "missing: the folder holds no complete run (a publish may be under way or was interrupted)"));
    }
    let text = dir.get(MANIFEST_FILE).await?;
    let manifest: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|e| CpiError::bad_input(&manifest_name, format!("not valid JSON: {e}")))?;
    let mut listed = manifest["outputs"].as_array().cloned().unwrap_or_default();
    // report.html is checked like the tables (its record is where `cpi report` can update it).
    if manifest["report"].is_object() {
        listed.push(manifest["report"].clone());
    }
    let present = dir.list("").await?;
    let mut problems = vec![];
    let mut checked = vec![];
    for o in &listed {
        let file = o["file"].as_str().unwrap_or_default();
        if !present.iter().any(|p| p.path == file) {
            problems.push(format!("{file}: missing"));
        } else {
            let bytes = dir.get(file).await?;
            if Some(bytes.len() as u64) != o["bytes"].as_u64() {
                problems.push(format!("{file}: {} bytes, the manifest says {}", bytes.len(), o["bytes"]));
            } else if Some(crate::lineage::sha256_hex(&bytes).as_str()) != o["sha256"].as_str() {
                problems.push(format!("{file}: SHA-256 differs from the manifest"));
            }
        }
        checked.push(file.to_string());
    }
    for output in catalogue::outputs()?.iter().filter(|o| o.public) {
        if !checked.contains(&output.file) {
            problems.push(format!("{}: an output of this cpi, not listed in the manifest", output.file));
        }
    }
    for p in &present {
        if p.path != MANIFEST_FILE && !checked.contains(&p.path) {
            problems.push(format!("{}: not listed in the manifest", p.path));
        }
    }
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(CpiError::bad_input(manifest_name, format!("outputs do not match: {}", problems.join("; "))))
    }
}
