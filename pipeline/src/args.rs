//! Values of command-line flags, parsed as clap value parsers so that the library only ever sees
//! typed values: reference years and memory sizes.

use crate::error::{CpiError, Result};

/// `--year`: one year (`2024`) or an inclusive range (`2019..2024`), in order.
pub fn years(text: &str) -> Result<Vec<i32>> {
    let bad = || CpiError::Config(format!("--year {text:?}: expected a year like 2024 or a range like 2019..2024"));
    let year = |s: &str| s.trim().parse::<i32>().ok().filter(|y| (1900..=2200).contains(y)).ok_or_else(bad);
    match text.split_once("..") {
        None => Ok(vec![year(text)?]),
        Some((from, to)) => {
            let (from, to) = (year(from)?, year(to)?);
            if from > to {
                return Err(bad());
            }
            Ok((from..=to).collect())
        }
    }
}

/// `--memory-limit`: a size such as `4G`, `512M` or a number of bytes.
pub fn memory(text: &str) -> Result<usize> {
    let t = text.trim().to_ascii_uppercase();
    let (number, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t.as_str(), ""),
    };
    let bad = || CpiError::Config(format!("--memory-limit {text:?}: use a size such as 4G or 512M"));
    let factor: f64 = match unit.trim_end_matches("IB").trim_end_matches('B') {
        "" => 1.0,
        "K" => 1024.0,
        "M" => 1024.0 * 1024.0,
        "G" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(bad()),
    };
    let value: f64 = number.trim().parse().map_err(|_| bad())?;
    let bytes = (value * factor) as usize;
    // Below about 512 MiB DataFusion has been seen to stall an aggregate with a sort.
    if bytes < 512 * 1024 * 1024 {
        return Err(CpiError::Config(format!("--memory-limit {text:?} is below the 512M minimum")));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn years_and_ranges() {
        assert_eq!(super::years("2024").unwrap(), vec![2024]);
        assert_eq!(super::years("2022..2024").unwrap(), vec![2022, 2023, 2024]);
        assert!(super::years("2024..2022").is_err());
        assert!(super::years("24").is_err());
        assert!(super::years("next").is_err());
    }
}
