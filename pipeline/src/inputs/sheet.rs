//! Tables as people keep them in spreadsheets: `.xlsx`, `.xls` and `.ods` files (read with
//! calamine), and CSV as a spreadsheet saves it (`,` or `;` between fields, UTF-8 with or
//! without a byte-order mark, or Windows-1252 when the bytes are not UTF-8). Title and note rows
//! above the header are skipped: the header is the first row with a known column name. Column
//! names are matched without regard to case, accents and punctuation.

use std::path::Path;

use calamine::{open_workbook_auto, Data, DataType, Reader};

use crate::error::{CpiError, Result};

/// A cell as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A number typed into a spreadsheet cell (an enterprise number loses its leading zero).
    Number(f64),
    /// A cell formatted as a date in a spreadsheet.
    Date(chrono::NaiveDate),
}

impl Cell {
    /// The cell as text: a whole number without decimals, a date as yyyy-mm-dd.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.trim().to_string(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Cell::Empty) || matches!(self, Cell::Text(s) if s.trim().is_empty())
    }
}

/// One table found in a file: its sheet (spreadsheets), header and data rows with their row
/// numbers in the file or sheet (1-based, as a spreadsheet shows them).
pub struct Table {
    pub sheet: Option<String>,
    pub header: Vec<String>,
    pub rows: Vec<(u64, Vec<Cell>)>,
}

/// A column name as compared: lower case, without accents, words separated by one space.
pub fn normalised_name(name: &str) -> String {
    let folded: String = name.trim_start_matches('\u{feff}').chars().map(fold_accent).collect::<String>().to_lowercase();
    folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The letter without its accent, for the Latin letters of Dutch, French and German.
fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'À' | 'Á' | 'Â' | 'Ä' | 'Ã' | 'Å' => 'A',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'È' | 'É' | 'Ê' | 'Ë' => 'E',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'Ì' | 'Í' | 'Î' | 'Ï' => 'I',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
        'Ò' | 'Ó' | 'Ô' | 'Ö' | 'Õ' => 'O',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'Ù' | 'Ú' | 'Û' | 'Ü' => 'U',
        'ç' => 'c',
        'Ç' => 'C',
        'ñ' => 'n',
        'ÿ' => 'y',
        other => other,
    }
}

/// Whether a file name is one this module reads as a table.
pub fn is_table_file(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".csv", ".xlsx", ".xls", ".xlsm", ".ods"].iter().any(|e| lower.ends_with(e))
}

/// Every table of `path` whose header has a column `is_header` accepts: in a spreadsheet every
/// such sheet, in a CSV the file. `name` is the file as messages name it. A file without one is
/// an error naming what was looked for.
pub fn read_tables(path: &Path, name: &str, is_header: &dyn Fn(&str) -> bool, looked_for: &str) -> Result<Vec<Table>> {
    let lower = name.to_ascii_lowercase();
    // (sheet name, rows with their line numbers)
    type Grid = (Option<String>, Vec<(u64, Vec<Cell>)>);
    let grids: Vec<Grid> = if lower.ends_with(".csv") {
        let bytes = std::fs::read(path).map_err(|e| CpiError::io(name, e))?;
        vec![(None, csv_rows(name, &bytes)?)]
    } else {
        let mut book = open_workbook_auto(path).map_err(|e| CpiError::bad_input(name, format!("not a readable spreadsheet: {e}")))?;
        let mut grids = vec![];
        for sheet in book.sheet_names() {
            let range = book.worksheet_range(&sheet).map_err(|e| CpiError::bad_input(format!("{name}, sheet {sheet}"), format!("cannot read: {e}")))?;
            let (first_row, first_col) = range.start().unwrap_or((0, 0));
            let rows = range
                .rows()
                .enumerate()
                .map(|(i, r)| {
                    // Keep absolute columns: a sheet that starts in column C still has A and B.
                    let mut cells = vec![Cell::Empty; first_col as usize];
                    cells.extend(r.iter().map(cell));
                    (u64::from(first_row) + i as u64 + 1, cells)
                })
                .collect();
            grids.push((Some(sheet), rows));
        }
        grids
    };
    let mut tables = vec![];
    for (sheet, rows) in grids {
        let Some(h) = rows.iter().position(|(_, cells)| cells.iter().any(|c| is_header(&normalised_name(&c.text())))) else { continue };
        let header = rows[h].1.iter().map(|c| c.text()).collect();
        let data = rows.into_iter().skip(h + 1).filter(|(_, cells)| !cells.iter().all(Cell::is_empty)).collect();
        tables.push(Table { sheet, header, rows: data });
    }
    if tables.is_empty() {
        return Err(CpiError::bad_input(name, format!("no header row with {looked_for} found (in any sheet)")));
    }
    Ok(tables)
}

fn cell(d: &Data) -> Cell {
    match d {
        Data::Empty | Data::Error(_) => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(_) | Data::DateTimeIso(_) => d.as_date().map(Cell::Date).unwrap_or_else(|| Cell::Text(d.to_string())),
        Data::DurationIso(s) => Cell::Text(s.clone()),
    }
}

/// A CSV as a spreadsheet saves it: UTF-8 (a byte-order mark dropped) or else Windows-1252, and
/// `;` or `,` between fields, whichever the first line uses more of.
fn csv_rows(name: &str, bytes: &[u8]) -> Result<Vec<(u64, Vec<Cell>)>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s.trim_start_matches('\u{feff}')),
        // Not UTF-8: a Belgian-locale spreadsheet writes Windows-1252 (Latin-1 plus € and a few more).
        Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0,
    };
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).terminator(csv::Terminator::Any(b'\n')).from_reader(text.as_bytes());
    let mut rows = vec![];
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map(|p| p.line()).unwrap_or(rows.len() as u64 + 1);
                rows.push((line, record.iter().map(|f| Cell::Text(f.trim_end_matches('\r').to_string())).collect()));
            }
            Err(e) => return Err(super::csv_file::row_error(name, rows.len() as u64, &e)),
        }
    }
    Ok(rows)
}

/// A date as people type it: `yyyy-mm-dd`, `dd/mm/yyyy`, `dd-mm-yyyy` or `dd.mm.yyyy` (day and
/// month with one or two digits), or a spreadsheet date. Errors are reject reasons: a two-digit
/// year is ambiguous (which century?) and is never guessed; 31/02/2024 is impossible.
pub fn date(cell: &Cell) -> std::result::Result<chrono::NaiveDate, &'static str> {
    let text = match cell {
        Cell::Date(d) => return Ok(*d),
        // A bare number in a date column: a serial date without its format, or a typo.
        Cell::Number(_) => return Err("date_not_a_date"),
        other => other.text(),
    };
    let parts: Vec<&str> = text.split(['-', '/', '.']).collect();
    let numbers: Option<Vec<u32>> = parts.iter().map(|p| (!p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit())).then(|| p.parse().ok()).flatten()).collect();
    let (Some(n), 3) = (numbers, parts.len()) else { return Err("date_not_a_date") };
    let separators: Vec<char> = text.chars().filter(|c| matches!(c, '-' | '/' | '.')).collect();
    if separators[0] != separators[1] {
        return Err("date_not_a_date");
    }
    let (year, month, day) = match (parts[0].len(), parts[2].len()) {
        (4, 1..=2) if separators[0] == '-' => (n[0] as i32, n[1], n[2]),
        (1..=2, 4) => (n[2] as i32, n[1], n[0]),
        (1..=2, 2) => return Err("date_ambiguous"),
        _ => return Err("date_not_a_date"),
    };
    chrono::NaiveDate::from_ymd_opt(year, month, day).ok_or("date_impossible")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_people_type_them() {
        let d = |s: &str| date(&Cell::Text(s.into()));
        let ymd = |y, m, d| Ok(chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap());
        assert_eq!(d("2024-03-01"), ymd(2024, 3, 1));
        assert_eq!(d("01/03/2024"), ymd(2024, 3, 1));
        assert_eq!(d("1-3-2024"), ymd(2024, 3, 1));
        assert_eq!(d("01.03.2024"), ymd(2024, 3, 1));
        assert_eq!(d("31/02/2024"), Err("date_impossible"));
        assert_eq!(d("01/03/24"), Err("date_ambiguous"));
        assert_eq!(d("2024/03/01"), Err("date_not_a_date"));
        assert_eq!(d("01/03-2024"), Err("date_not_a_date"));
        assert_eq!(d("maart 2024"), Err("date_not_a_date"));
        assert_eq!(date(&Cell::Number(45352.0)), Err("date_not_a_date"));
        assert_eq!(date(&Cell::Date(chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap())), ymd(2024, 3, 1));
    }

    #[test]
    fn names_without_case_accents_or_punctuation() {
        assert_eq!(normalised_name("Numéro d'entreprise"), "numero d entreprise");
        assert_eq!(normalised_name("\u{feff}KBO-nummer"), "kbo nummer");
        assert_eq!(normalised_name("  Membre jusqu'au "), "membre jusqu au");
        assert_eq!(Cell::Number(403170701.0).text(), "403170701");
    }

    #[test]
    fn csv_in_windows_1252_with_semicolons_and_a_title_row() {
        // "Lijst van de leden" title row, then the header; é is 0xE9 in Windows-1252.
        let bytes = b"Lijst van de leden;;\nondernemingsnummer;Naam;lid sinds\n0403.170.701;Caf\xe9 Noir;1/3/2024\n;;\n";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.csv");
        std::fs::write(&path, bytes).unwrap();
        let tables = read_tables(&path, "m.csv", &|h| h == "ondernemingsnummer", "an enterprise number").unwrap();
        assert_eq!(tables[0].header, ["ondernemingsnummer", "Naam", "lid sinds"]);
        // The empty last row is not a row; the data row is line 3 of the file.
        assert_eq!(tables[0].rows, vec![(3, vec![Cell::Text("0403.170.701".into()), Cell::Text("Café Noir".into()), Cell::Text("1/3/2024".into())])]);
    }
}
