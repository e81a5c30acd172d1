//! Reading the small hand-made CSV inputs (member lists, clusters, totals, config tables) with
//! their line numbers, so that every problem can be reported as file, line and field.

use std::collections::HashMap;

use crate::error::{CpiError, Result};

/// One data row with its 1-based line number in the file (the header is line 1).
pub struct Row<'a> {
    pub line: u64,
    record: &'a csv::StringRecord,
    columns: &'a HashMap<String, usize>,
}

impl Row<'_> {
    /// The trimmed value of a column; `None` when the column is absent or the field empty.
    pub fn get(&self, column: &str) -> Option<&str> {
        let idx = *self.columns.get(column)?;
        let v = self.record.get(idx)?.trim();
        (!v.is_empty()).then_some(v)
    }

    /// The raw value as written (for reject records), empty when absent.
    pub fn raw(&self, column: &str) -> &str {
        self.columns
            .get(column)
            .and_then(|&i| self.record.get(i))
            .map(|v| v.trim_end_matches('\r'))
            .unwrap_or("")
    }
}

/// A CSV reader in the dialect of every input: `,`, `"`-quoted, a header row.
pub fn reader<R: std::io::Read>(source: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .buffer_capacity(1 << 20)
        // Split on LF only (a CR before it is trimmed with the field): with the default CRLF
        // terminator the csv crate reports line numbers one too low for CRLF files.
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(source)
}

/// Header names as compared: trimmed, lower case, without a UTF-8 byte-order mark.
pub fn header_names<'a>(header: impl Iterator<Item = &'a [u8]>) -> Vec<String> {
    header
        .map(|h| String::from_utf8_lossy(h).trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect()
}

/// Position of each `required` column in `header`, or an error naming the missing ones.
pub fn column_positions(file: &str, header: &[String], required: &[&str]) -> Result<Vec<usize>> {
    let missing: Vec<&str> = required.iter().copied().filter(|c| !header.iter().any(|h| h == c)).collect();
    if missing.is_empty() {
        return Ok(required.iter().map(|c| header.iter().position(|h| h == c).expect("present")).collect());
    }
    // A single column whose name holds `;` or a tab is the classic wrong-delimiter file.
    let hint = if header.len() == 1 && header[0].contains([';', '\t']) {
        " (the file seems to use ';' or tab as delimiter; cpi expects ',')"
    } else {
        ""
    };
    Err(CpiError::bad_input(
        file,
        format!("header lacks required column(s) {}; found {}{hint}", missing.join(", "), header.join(",")),
    ))
}

/// The error for a row the CSV parser cannot read (wrong number of fields, bad UTF-8).
pub fn row_error(file: &str, rows_so_far: u64, e: &csv::Error) -> CpiError {
    CpiError::BadInput {
        file: file.to_string(),
        line: Some(e.position().map(|p| p.line()).unwrap_or(rows_so_far + 2)),
        field: None,
        message: csv_problem(e),
    }
}

/// Parses `bytes` as a comma-separated file with a header row. The header must contain every
/// `required` column; other columns are allowed and ignored. Calls `each` once per data row.
pub fn for_each_row(
    file: &str,
    bytes: &[u8],
    required: &[&str],
    mut each: impl FnMut(Row<'_>) -> Result<()>,
) -> Result<u64> {
    let mut reader = reader(bytes);
    let header = reader
        .byte_headers()
        .map_err(|e| CpiError::bad_input(file, format!("cannot read the header: {}", csv_problem(&e))))?;
    let names = header_names(header.iter());
    column_positions(file, &names, required)?;
    let columns: HashMap<String, usize> = names.into_iter().enumerate().map(|(i, n)| (n, i)).collect();
    let mut record = csv::StringRecord::new();
    let mut rows = 0u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                rows += 1;
                let line = record.position().map(|p| p.line()).unwrap_or(rows + 1);
                each(Row { line, record: &record, columns: &columns })?;
            }
            Err(e) => return Err(row_error(file, rows, &e)),
        }
    }
    Ok(rows)
}

pub fn csv_problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("row has {len} fields, the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "text is not valid UTF-8".to_string(),
        _ => e.to_string(),
    }
}

/// Parses an ISO date `yyyy-mm-dd` as days since 1970-01-01 (Arrow Date32).
pub fn parse_iso_date(s: &str) -> Option<i32> {
    // The usual form, ten bytes `dddd-dd-dd`, read directly: chrono's parser interprets its
    // format string on every call (3 % of the account reader's time). Anything else goes to
    // chrono, which decides what else `%Y-%m-%d` accepts.
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')));
    let d = match (b.len() == 10 && b[4] == b'-' && b[7] == b'-').then(|| (digits(0..4), digits(5..7), digits(8..10))) {
        Some((Some(y), Some(m), Some(d))) => chrono::NaiveDate::from_ymd_opt(y as i32, m, d)?,
        _ => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?,
    };
    Some(days_since_epoch(d))
}

pub fn days_since_epoch(d: chrono::NaiveDate) -> i32 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch");
    (d - epoch).num_days() as i32
}

/// Data records (header excluded) of a CSV file: line ends inside quotes do not count, a last
/// line without a line end does. Also the file's SHA-256 (hex), from the same read.
pub fn count_records(path: &std::path::Path, name: &str) -> Result<(u64, String)> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| CpiError::io(name, e))?;
    let mut reader = crate::lineage::HashingReader::new(file);
    let mut buffer = vec![0u8; 1 << 20];
    let (mut records, mut in_quotes, mut last) = (0u64, false, b'\n');
    loop {
        let n = reader.read(&mut buffer).map_err(|e| CpiError::io(name, e))?;
        if n == 0 {
            break;
        }
        // A plain loop: the register quotes every field, so quotes are too dense for memchr.
        for &b in &buffer[..n] {
            match b {
                b'"' => in_quotes = !in_quotes,
                b'\n' if !in_quotes => records += 1,
                _ => {}
            }
        }
        last = buffer[n - 1];
    }
    if last != b'\n' {
        records += 1;
    }
    Ok((records.saturating_sub(1), reader.sha256()))
}

/// An ASCII field as text, without the white space `str::trim` removes (for ASCII: tab, line
/// feed, vertical tab, form feed, carriage return and space); `None` when it is not ASCII.
/// Account files are ASCII, and this is much cheaper per field than `from_utf8` and `trim`
/// (together 4 % of a run's CPU at F = 1.0).
pub fn ascii_trimmed(bytes: &[u8]) -> Option<&str> {
    if !bytes.is_ascii() {
        return None;
    }
    let space = |b: &u8| matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ');
    let start = bytes.iter().position(|b| !space(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !space(b)).map_or(start, |i| i + 1);
    // SAFETY: the bytes are ASCII (checked above), and ASCII is valid UTF-8.
    Some(unsafe { std::str::from_utf8_unchecked(&bytes[start..end]) })
}

/// Scale of every amount in the pipeline: values are exact decimals with 4 decimals, so that
/// sums do not depend on the order rows are added in (floating-point sums do).
pub const AMOUNT_SCALE: i8 = 4;
pub const AMOUNT_PRECISION: u8 = 38;

/// Parses a number written with a `.` decimal point (optionally signed, or in e-notation) as an
/// exact decimal with [`AMOUNT_SCALE`] decimals. Digits past the fourth decimal are dropped.
pub fn parse_amount(s: &str) -> Option<i128> {
    use datafusion::arrow::compute::kernels::cast_utils::parse_decimal;
    use datafusion::arrow::datatypes::Decimal128Type;
    parse_decimal::<Decimal128Type>(s, AMOUNT_PRECISION, AMOUNT_SCALE).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_line_numbers_and_missing_columns() {
        let data = "\u{feff}a,b\r\n1,2\r\n3,\r\n";
        let mut seen = vec![];
        let n = for_each_row("f.csv", data.as_bytes(), &["a", "b"], |r| {
            seen.push((r.line, r.get("a").map(str::to_string), r.get("b").map(str::to_string)));
            Ok(())
        })
        .unwrap();
        assert_eq!(n, 2);
        assert_eq!(seen[0], (2, Some("1".into()), Some("2".into())));
        assert_eq!(seen[1], (3, Some("3".into()), None));

        let err = for_each_row("f.csv", b"a;b\n1;2\n", &["a", "b"], |_| Ok(())).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("f.csv") && msg.contains("lacks required column(s) a, b"), "{msg}");
        assert!(msg.contains("delimiter"), "{msg}");

        let err = for_each_row("f.csv", b"a,b\n1,2\n1,2,3\n", &["a"], |_| Ok(())).unwrap_err();
        assert_eq!(err.to_string(), "bad input: f.csv, line 3: row has 3 fields, the header has 2");
    }

    #[test]
    fn counts_csv_records_not_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, "\"a\",\"b\"\r\n\"1\",\"two\nlines\"\r\n\"2\",\"\"\"q\"\"\"\r\n3,x").unwrap();
        assert_eq!(count_records(&p, "x.csv").unwrap().0, 3);
        std::fs::write(&p, "a,b\n").unwrap();
        // the SHA-256 from the same read: `printf 'a,b\n' | sha256sum`
        assert_eq!(count_records(&p, "x.csv").unwrap(), (0, "5be08c9684a1d25efcee09318204824278b08bbfb4aef973ffefd0b9d7478313".to_string()));
    }

    #[test]
    fn ascii_trim_is_str_trim() {
        // every ASCII byte around a field, alone and in pairs: the same as `str::trim`
        for a in 0u8..128 {
            for b in [0u8, 9, 11, 32, 65, 127] {
                let raw = [a, b, b'x', b' ', a, b];
                let text = std::str::from_utf8(&raw).unwrap();
                assert_eq!(ascii_trimmed(&raw), Some(text.trim()), "{raw:?}");
                assert_eq!(ascii_trimmed(&[a]), Some(std::str::from_utf8(&[a]).unwrap().trim()));
            }
        }
        assert_eq!(ascii_trimmed(b""), Some(""));
        assert_eq!(ascii_trimmed(b" \t\r"), Some(""));
        assert_eq!(ascii_trimmed(" é ".as_bytes()), None);
    }

    #[test]
    fn amounts_are_exact_decimals() {
        assert_eq!(parse_amount("1234.5"), Some(12_345_000));
        assert_eq!(parse_amount("-2"), Some(-20_000));
        assert_eq!(parse_amount("12,5"), None);
        assert_eq!(parse_amount("abc"), None);
        assert_eq!(parse_amount(""), None);
    }

    #[test]
    fn iso_dates_as_chrono_reads_them() {
        // the direct reading of `dddd-dd-dd` gives what chrono's `%Y-%m-%d` gives, for valid
        // and invalid days and for forms that only chrono reads
        let chrono = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(days_since_epoch);
        for s in ["2024-02-29", "2023-02-29", "2024-13-01", "2024-00-10", "2024-01-00", "0000-01-01", "9999-12-31", "2024-1-01", "+2024-01-01", "2024-01-1", "2024/01/01", "20240101", "2024-01-01 ", "２０２４-01-01"] {
            assert_eq!(parse_iso_date(s), chrono(s), "{s}");
        }
        assert_eq!(parse_iso_date("2024-02-29"), Some(19782)); // 54 years of days + leap days
    }

    #[test]
    fn iso_dates() {
        assert_eq!(parse_iso_date("1970-01-02"), Some(1));
        assert_eq!(parse_iso_date("2024-02-30"), None);
        assert_eq!(parse_iso_date("01-02-2024"), None);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let _ = for_each_row("fuzz.csv", &bytes, &["a"], |row| {
                let _ = (row.get("a"), row.raw("b"));
                Ok(())
            });
        }
    }
}
