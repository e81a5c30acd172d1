//! Belgian enterprise numbers (KBO/BCE): normalisation and the mod-97 check.
//!
//! The canonical form used everywhere in the pipeline is the register's own notation,
//! `0123.456.789` (10 digits, dotted), so register tables join without conversion.

/// Why a written enterprise number is not a valid one. The string is the reject reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberProblem {
    Empty,
    /// Letters or other characters besides digits, dots, spaces, dashes and a `BE` prefix.
    InvalidCharacters,
    /// Not 9 or 10 digits.
    WrongLength,
    /// 10 digits that do not start with 0 or 1.
    WrongFirstDigit,
    /// Last two digits are not 97 − (first eight mod 97).
    CheckDigits,
}

impl NumberProblem {
    pub fn reason(self) -> &'static str {
        match self {
            NumberProblem::Empty => "enterprise_number_empty",
            NumberProblem::InvalidCharacters => "enterprise_number_invalid_characters",
            NumberProblem::WrongLength => "enterprise_number_wrong_length",
            NumberProblem::WrongFirstDigit => "enterprise_number_wrong_first_digit",
            NumberProblem::CheckDigits => "enterprise_number_check_digits",
        }
    }
}

/// Normalise an enterprise number as people write it (`0123.456.789`, `0123456789`,
/// `BE 0123 456 789`, `BE0123456789`, `123456789`) to `0123.456.789`, verifying the check digits.
pub fn normalise(raw: &str) -> Result<String, NumberProblem> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(NumberProblem::Empty);
    }
    let rest = trimmed
        .strip_prefix("BE")
        .or_else(|| trimmed.strip_prefix("be"))
        .or_else(|| trimmed.strip_prefix("Be"))
        .unwrap_or(trimmed);
    let mut digits = String::with_capacity(10);
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '.' | ' ' | '-' | '\u{a0}' => {}
            _ => return Err(NumberProblem::InvalidCharacters),
        }
    }
    // Spreadsheets drop the leading zero of old numbers: 9 digits means a leading 0 was lost.
    if digits.len() == 9 {
        digits.insert(0, '0');
    }
    if digits.len() != 10 {
        return Err(NumberProblem::WrongLength);
    }
    if !digits.starts_with('0') && !digits.starts_with('1') {
        return Err(NumberProblem::WrongFirstDigit);
    }
    let body: u64 = digits[..8].parse().map_err(|_| NumberProblem::InvalidCharacters)?;
    let check: u64 = digits[8..].parse().map_err(|_| NumberProblem::InvalidCharacters)?;
    if 97 - body % 97 != check {
        return Err(NumberProblem::CheckDigits);
    }
    Ok(format!("{}.{}.{}", &digits[..4], &digits[4..7], &digits[7..]))
}

/// An establishment unit number as people write it (`2.123.456.789`, `2123456789`): 10 digits
/// starting with 2 to 8, with the same mod-97 check (KBO Open Data: establishment numbers are
/// `2.xxx.xxx.xxx`), as the register writes it; None when it is not one.
pub fn establishment(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(|c| !matches!(c, '.' | ' ' | '-' | '\u{a0}')).collect();
    if digits.len() != 10 || !digits.chars().all(|c| c.is_ascii_digit()) || !('2'..='8').contains(&digits.chars().next()?) {
        return None;
    }
    let body: u64 = digits[..8].parse().ok()?;
    let check: u64 = digits[8..].parse().ok()?;
    (97 - body % 97 == check).then(|| format!("{}.{}.{}.{}", &digits[..1], &digits[1..4], &digits[4..7], &digits[7..]))
}

/// The check digits that make `first_eight` a valid number (used by the generator and tests).
pub fn check_digits(first_eight: u64) -> u64 {
    97 - first_eight % 97
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2.000.000.001 in the hand-worked register: 20000000 = 97 * 206185 + 55, 97 - 55 = 42, so
    // a valid establishment number with that body is 2000000042; 2000000001 is not valid.
    #[test]
    fn establishment_numbers() {
        assert_eq!(establishment("2.000.000.042").as_deref(), Some("2.000.000.042"));
        assert_eq!(establishment("2000000042").as_deref(), Some("2.000.000.042"));
        assert_eq!(establishment("2.000.000.043"), None);
        assert_eq!(establishment("0403.170.701"), None);
        assert_eq!(establishment("9.000.000.000"), None);
    }

    // 0403.170.701: 4031707 = 97 * 41563 + 96, so 97 - 96 = 1 -> check digits "01".
    #[test]
    fn accepts_every_notation() {
        for raw in [
            "0403.170.701",
            "0403170701",
            "BE 0403 170 701",
            "BE0403.170.701",
            "403170701",
            " 0403-170-701 ",
        ] {
            assert_eq!(normalise(raw), Ok("0403.170.701".to_string()), "{raw}");
        }
    }

    #[test]
    fn accepts_numbers_issued_since_2023_starting_with_1() {
        // 10_000_000 = 97 * 103_092 + 76, so check = 97 - 76 = 21.
        assert_eq!(normalise("1000.000.021"), Ok("1000.000.021".to_string()));
    }

    #[test]
    fn rejects_with_reason() {
        assert_eq!(normalise(""), Err(NumberProblem::Empty));
        assert_eq!(normalise("0403.170.702"), Err(NumberProblem::CheckDigits));
        assert_eq!(normalise("0403.17O.701"), Err(NumberProblem::InvalidCharacters));
        assert_eq!(normalise("04031707"), Err(NumberProblem::WrongLength));
        assert_eq!(normalise("2403170701"), Err(NumberProblem::WrongFirstDigit));
    }

    #[test]
    fn real_register_numbers_pass() {
        // Numbers copied from the real KBO extract in ../shared/reference.
        for n in ["0411.104.014", "0648.687.005", "0761.879.075", "1012.706.130", "1029.025.290"] {
            assert_eq!(normalise(n).as_deref(), Ok(n));
        }
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(raw in "\\PC{0,20}") {
            let _ = normalise(&raw);
        }

        /// Every valid number, in every notation the clusters use, normalises to itself.
        #[test]
        fn every_notation_round_trips(body in 0u64..20_000_000) {
            let digits = format!("{:08}{:02}", body, check_digits(body));
            let dotted = format!("{}.{}.{}", &digits[..4], &digits[4..7], &digits[7..]);
            let spaced = format!("BE {} {} {}", &digits[..4], &digits[4..7], &digits[7..]);
            for written in [dotted.clone(), digits.clone(), spaced, format!("BE{digits}")] {
                proptest::prop_assert_eq!(normalise(&written), Ok(dotted.clone()));
            }
            if let Some(nine) = digits.strip_prefix('0') {
                proptest::prop_assert_eq!(normalise(nine), Ok(dotted.clone()));
            }
            // A changed check digit is always caught.
            let last = digits.as_bytes()[9] - b'0';
            let wrong = format!("{}{}", &digits[..9], (last + 1) % 10);
            proptest::prop_assert_eq!(normalise(&wrong), Err(NumberProblem::CheckDigits));
        }
    }
}
