//! Numbers as a reader of the report expects them: the Belgian way in Dutch (1.234,5) and the
//! English way in English (1,234.5). Rounding is Rust's correctly rounded decimal formatting
//! (the same as Python's `format`, which the report check in ci/ uses).

use serde::{Deserialize, Serialize};

/// The language of a report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Nl,
    En,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::Nl => "nl",
            Language::En => "en",
        }
    }

    pub fn parse(text: &str) -> Option<Language> {
        match text {
            "nl" => Some(Language::Nl),
            "en" => Some(Language::En),
            _ => None,
        }
    }

    fn separators(self) -> (char, char) {
        match self {
            Language::Nl => ('.', ','),
            Language::En => (',', '.'),
        }
    }
}

/// `value` with `decimals` decimals, thousands grouped; "-" before a negative number (ASCII, so
/// that a copied number pastes into a spreadsheet).
pub fn number(value: f64, decimals: usize, lang: Language) -> String {
    let (group, point) = lang.separators();
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = text.split_once('.').map_or((text.as_str(), ""), |(w, f)| (w, f));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(digit);
    }
    let is_zero = text.chars().all(|c| c == '0' || c == '.');
    let sign = if value < 0.0 && !is_zero { "-" } else { "" };
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}{point}{fraction}")
    }
}

/// How a figure is written, by what it measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A growth rate or share stored as a fraction, written in per cent with one decimal: 0.1234 -> "12,3 %".
    Percent,
    /// A difference in percentage points, signed, one decimal: "+1,2", "-0,5", "0,0".
    Points,
    /// Euros written in millions with one decimal.
    MillionEuro,
    /// A count.
    Count,
    /// Full-time equivalents, one decimal.
    Fte,
    /// Euros, no decimals (value added per FTE).
    Euro,
    /// An index between 0 and 1 with three decimals (Herfindahl).
    Index,
}

impl Kind {
    pub fn parse(text: &str) -> Option<Kind> {
        Some(match text {
            "pct" => Kind::Percent,
            "pp" => Kind::Points,
            "meur" => Kind::MillionEuro,
            "int" => Kind::Count,
            "fte" => Kind::Fte,
            "eur" => Kind::Euro,
            "idx" => Kind::Index,
            _ => return None,
        })
    }
}

/// `value` written as `kind` in `lang`.
pub fn figure(value: f64, kind: Kind, lang: Language) -> String {
    match kind {
        Kind::Percent => format!("{} %", number(100.0 * value, 1, lang)),
        Kind::Points => {
            let text = number(value, 1, lang);
            if value > 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
                format!("+{text}")
            } else {
                text
            }
        }
        Kind::MillionEuro => number(value / 1e6, 1, lang),
        Kind::Count => number(value, 0, lang),
        Kind::Fte => number(value, 1, lang),
        Kind::Euro => number(value, 0, lang),
        Kind::Index => number(value, 3, lang),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn belgian_and_english_numbers() {
        assert_eq!(number(1234.5, 1, Language::Nl), "1.234,5");
        assert_eq!(number(1234.5, 1, Language::En), "1,234.5");
        assert_eq!(number(1234567.0, 0, Language::Nl), "1.234.567");
        assert_eq!(number(123.0, 0, Language::Nl), "123");
        assert_eq!(number(-1234.56, 1, Language::Nl), "-1.234,6");
        // a negative that rounds to zero has no sign
        assert_eq!(number(-0.04, 1, Language::En), "0.0");
        assert_eq!(number(999.96, 1, Language::Nl), "1.000,0");
    }

    #[test]
    fn figures_by_kind() {
        assert_eq!(figure(0.1234, Kind::Percent, Language::Nl), "12,3 %");
        assert_eq!(figure(-0.0567, Kind::Percent, Language::En), "-5.7 %");
        assert_eq!(figure(1.25, Kind::Points, Language::Nl), "+1,2"); // an exact tie rounds to even, as Python's format does
        assert_eq!(figure(-0.5, Kind::Points, Language::En), "-0.5");
        assert_eq!(figure(0.04, Kind::Points, Language::En), "0.0");
        assert_eq!(figure(1_234_567_890.0, Kind::MillionEuro, Language::Nl), "1.234,6");
        assert_eq!(figure(4321.0, Kind::Count, Language::En), "4,321");
        assert_eq!(figure(3922.44, Kind::Fte, Language::Nl), "3.922,4");
        assert_eq!(figure(1.29 / 2.89, Kind::Index, Language::Nl), "0,446");
    }
}
