//! Annual accounts deposited before 4 April 2022 as the National Bank delivers them: XBRL
//! instances of its `pfs` taxonomy (the JSON documents of cbso.rs exist only for later deposits).
//!
//! An instance (XBRL 2.1, www.xbrl.org/Specification/XBRL-2.1) is an `xbrli:xbrl` root whose
//! children are contexts (`xbrli:context`: the entity's identifier and a period, an `instant` or
//! a `startDate` and an `endDate`; a `segment` or `scenario` adds dimensions), units
//! (`xbrli:unit` with a `measure`, e.g. `iso4217:EUR` or `xbrli:pure`) and facts: one element
//! per concept, whose `contextRef` and `unitRef` name a context and a unit; tuples group facts.
//! In the NBB's instances the concepts of the accounts are in a namespace
//! `http://www.nbb.be/be/fr/pfs/ci/<date>` (the date is the taxonomy's version), the entity is
//! identified under the scheme `http://www.fgov.be` by its enterprise number (`BE0410682657`),
//! and the contexts are the exercise (`CurrentDuration`, `CurrentInstant`), the previous one
//! (`PrecedingDuration`, `PrecedingInstant`) and earlier instants (`N-2Instant`); monetary facts
//! have `decimals="INF"` (a public XBRL parser's tests on a real instance, pfs 2017-04-01).
//! Contexts are matched by their dates, not by those ids, which the specification leaves free.
//!
//! A fact's concept becomes a rubric code through config/pfs_concepts.csv (concept, rubric code,
//! unit): that table comes from public third-party code, not from the NBB's taxonomy, which is
//! why each of its rows says whether it was verified (schemas/cbso.json).

use std::collections::HashMap;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use serde::{Deserialize, Serialize};

use super::csv_file::parse_iso_date;

const XBRLI: &str = "http://www.xbrl.org/2003/instance";
const ISO4217: &str = "http://www.xbrl.org/2003/iso4217";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// The namespaces of the `pfs` concepts start so and end with the taxonomy's date.
const PFS_NAMESPACE: &str = "http://www.nbb.be/be/fr/pfs/ci/";

/// Whether a document's bytes are XML (its first character, after a byte-order mark and white
/// space, is `<`), and so possibly an XBRL instance rather than JSON.
pub fn looks_like_xml(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

/// A row of config/pfs_concepts.csv: the rubric a `pfs` concept is, and the unit its facts have.
/// (A staged copy records the table: serialised with the copy's account checks.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concept {
    pub rubric_code: String,
    pub unit: Unit,
    /// Whether the row was checked against the NBB's taxonomy.
    pub verified: bool,
}

/// The units the method's rubrics are in: euro amounts, and pure numbers (FTE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    Eur,
    Pure,
}

/// `pfs` concepts (local names) and the rubrics they are.
pub type ConceptMap = HashMap<String, Concept>;

/// A context's period.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Period {
    Instant(String),
    Duration(String, String),
    Forever,
}

#[derive(Debug, Clone)]
struct Context {
    identifier: String,
    period: Period,
    /// With a `segment` or `scenario`: a breakdown, not the rubric's total.
    dimensional: bool,
}

/// A unit's measure: `EUR`, `pure`, or another as written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Measure {
    Unit(Unit),
    Other(String),
}

/// One fact of a `pfs` concept, as written.
#[derive(Debug, Clone)]
struct Fact {
    concept: String,
    context: String,
    unit: Option<String>,
    value: String,
    nil: bool,
    /// Its line in the document, for rejects.
    line: u64,
}

/// An instance, read.
#[derive(Debug, Default)]
pub struct Instance {
    contexts: HashMap<String, Context>,
    units: HashMap<String, Measure>,
    facts: Vec<Fact>,
    /// Facts of other namespaces than `pfs` (the filer's description `pfs-gcd`, ...).
    pub other_facts: i64,
}

/// A rubric value an instance gives for a deposit's exercise (N) or the previous one (NM1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub rubric_code: String,
    pub period: &'static str,
    pub value: String,
    /// Where it is: `line 12: pfs:Turnover`.
    pub position: String,
    /// The unit of a fact whose unit is not its concept's (`EUR` expected): a reject.
    pub unit_differs: Option<String>,
    pub verified: bool,
}

/// What an instance gave for one deposit.
#[derive(Debug, Default)]
pub struct Rows {
    pub rows: Vec<Row>,
    /// Facts of concepts the table does not have: (concept, line of the first).
    pub unmapped: Vec<(String, u64)>,
    /// Facts of mapped concepts that are not rubric values of the exercise or the previous
    /// one: nil, another period (`N-2Instant`), a breakdown (a dimension).
    pub not_read: i64,
    /// The entity identifiers of the contexts, normalised where they are enterprise numbers.
    pub identifiers: Vec<String>,
}

impl Instance {
    /// Reads an instance; an error says what is wrong and on which line.
    pub fn parse(bytes: &[u8]) -> Result<Instance, String> {
        let mut reader = NsReader::from_reader(bytes);
        let mut lines = LineCounter::default();
        let mut instance = Instance::default();
        let mut depth = 0usize;
        loop {
            let event = reader.read_event().map_err(|e| format!("line {}: not well-formed XML: {e}", lines.line_at(bytes, reader.error_position())))?;
            let at = reader.buffer_position();
            let empty = matches!(event, Event::Empty(_));
            match event {
                Event::Start(e) | Event::Empty(e) if depth == 0 => {
                    let (ns, local) = reader.resolver().resolve_element(e.name());
                    if !(matches!(ns, ResolveResult::Bound(n) if n.as_ref() == XBRLI) && local.as_ref() == "xbrl") {
                        return Err("not an XBRL instance: the root element is not xbrli:xbrl (http://www.xbrl.org/2003/instance)".into());
                    }
                    // an empty root (`<xbrli:xbrl/>`) holds nothing
                    if empty {
                        break;
                    }
                    depth = 1;
                }
                Event::Start(e) | Event::Empty(e) => {
                    let (ns, local) = reader.resolver().resolve_element(e.name());
                    let (in_xbrli, pfs) = match ns {
                        ResolveResult::Bound(n) => (n.as_ref() == XBRLI, is_pfs_namespace(n.as_ref())),
                        _ => (false, false),
                    };
                    let line = lines.line_at(bytes, at);
                    match (in_xbrli, local.as_ref()) {
                        (true, "context") if !empty => {
                            let (id, context) = read_context(&mut reader, &e, line)?;
                            instance.contexts.insert(id, context);
                        }
                        (true, "unit") if !empty => {
                            let (id, measure) = read_unit(&mut reader, &e, line)?;
                            instance.units.insert(id, measure);
                        }
                        _ if attribute(&e, "contextRef").is_some() => {
                            let fact = read_fact(&mut reader, &e, local.as_ref().to_string(), line, empty)?;
                            // facts of other namespaces (the filer's description, pfs-gcd) are counted
                            if pfs {
                                instance.facts.push(fact);
                            } else {
                                instance.other_facts += 1;
                            }
                        }
                        // a tuple, or an element of the instance's own (schemaRef, footnotes)
                        _ if !empty => depth += 1,
                        _ => {}
                    }
                }
                Event::End(_) => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                Event::Eof => {
                    if depth > 0 {
                        return Err("the document ends before its root element is closed".into());
                    }
                    return Err("holds no XML element".into());
                }
                _ => {}
            }
        }
        Ok(instance)
    }

    /// The rubric values of a deposit whose exercise runs from day `start` to day `end` (days
    /// since 1970-01-01): a fact of the exercise (a duration from `start` to `end`, or an
    /// instant on `end`) is of period N, one of the previous exercise (a duration ending, or an
    /// instant, on the day before `start`) of period NM1. Dates are read as XBRL 2.1 (section
    /// 4.7.2) writes them, yyyy-mm-dd; a date with a time is not matched.
    pub fn rows(&self, concepts: &ConceptMap, start: i32, end: i32) -> Rows {
        let mut out = Rows::default();
        let mut identifiers: Vec<String> = self.contexts.values().map(|c| crate::enterprise_number::normalise(&c.identifier).unwrap_or_else(|_| c.identifier.clone())).collect();
        identifiers.sort();
        identifiers.dedup();
        out.identifiers = identifiers;
        let day = |d: &str| parse_iso_date(d);
        let mut unmapped: std::collections::BTreeMap<&str, u64> = Default::default();
        for fact in &self.facts {
            let Some(concept) = concepts.get(&fact.concept) else {
                unmapped.entry(fact.concept.as_str()).or_insert(fact.line);
                continue;
            };
            let period = match self.contexts.get(&fact.context) {
                None => None,
                Some(c) if c.dimensional => None,
                Some(c) => match &c.period {
                    Period::Duration(s, e) if day(s) == Some(start) && day(e) == Some(end) => Some("N"),
                    Period::Instant(i) if day(i) == Some(end) => Some("N"),
                    Period::Duration(_, e) | Period::Instant(e) if day(e) == Some(start - 1) => Some("NM1"),
                    _ => None,
                },
            };
            let Some(period) = period.filter(|_| !fact.nil) else {
                out.not_read += 1;
                continue;
            };
            let measure = fact.unit.as_ref().and_then(|u| self.units.get(u));
            let unit_differs = match measure {
                Some(Measure::Unit(u)) if *u == concept.unit => None,
                Some(Measure::Unit(Unit::Eur)) => Some("EUR".to_string()),
                Some(Measure::Unit(Unit::Pure)) => Some("pure".to_string()),
                Some(Measure::Other(m)) => Some(m.clone()),
                None => Some(fact.unit.clone().unwrap_or_default()),
            };
            out.rows.push(Row {
                rubric_code: concept.rubric_code.clone(),
                period,
                value: fact.value.trim().to_string(),
                position: format!("line {}: pfs:{}", fact.line, fact.concept),
                unit_differs,
                verified: concept.verified,
            });
        }
        out.unmapped = unmapped.into_iter().map(|(c, line)| (c.to_string(), line)).collect();
        out
    }

    /// Where each fact of a concept in the table is (`line 40: pfs:Turnover`), whatever its
    /// period: the rows of an instance whose exercise is not known.
    pub fn facts_in_table(&self, concepts: &ConceptMap) -> Vec<String> {
        self.facts.iter().filter(|f| concepts.contains_key(&f.concept)).map(|f| format!("line {}: pfs:{}", f.line, f.concept)).collect()
    }
}

/// Whether a namespace is one of the `pfs` taxonomy's concepts: `PFS_NAMESPACE` and a date
/// (not `.../gcd/<date>` or `.../vl/<date>`).
fn is_pfs_namespace(namespace: &str) -> bool {
    namespace.strip_prefix(PFS_NAMESPACE).is_some_and(|date| !date.contains('/'))
}

/// Line numbers of byte positions that only grow, counted once.
#[derive(Default)]
struct LineCounter {
    position: usize,
    line: u64,
}

impl LineCounter {
    fn line_at(&mut self, bytes: &[u8], at: u64) -> u64 {
        let at = usize::try_from(at).unwrap_or(bytes.len()).min(bytes.len());
        if at > self.position {
            self.line += bytes[self.position..at].iter().filter(|b| **b == b'\n').count() as u64;
            self.position = at;
        }
        self.line + 1
    }
}

fn attribute(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.as_ref() == name).map(|a| a.value.into_owned())
}

/// Whether an element carries `xsi:nil="true"`.
fn is_nil(reader: &NsReader<&[u8]>, e: &BytesStart) -> bool {
    e.attributes().flatten().any(|a| {
        let (ns, local) = reader.resolver().resolve_attribute(a.key);
        matches!(ns, ResolveResult::Bound(n) if n.as_ref() == XSI) && local.as_ref() == "nil" && matches!(a.value.as_ref(), "true" | "1")
    })
}

/// The text inside the element just opened, up to its end; an element inside is an error.
fn text_until_end(reader: &mut NsReader<&[u8]>, what: &str, line: u64) -> Result<String, String> {
    let mut text = String::new();
    loop {
        match reader.read_event().map_err(|e| format!("line {line}: {what}: not well-formed XML: {e}"))? {
            Event::Text(t) => text.push_str(&t),
            Event::CData(t) => text.push_str(&t),
            Event::GeneralRef(r) => {
                text.push('&');
                text.push_str(&r);
                text.push(';');
            }
            Event::End(_) => return Ok(text),
            Event::Start(_) | Event::Empty(_) => return Err(format!("line {line}: {what} holds an element, not a value")),
            Event::Eof => return Err(format!("line {line}: {what} is not closed")),
            _ => {}
        }
    }
}

fn read_fact(reader: &mut NsReader<&[u8]>, e: &BytesStart, concept: String, line: u64, empty: bool) -> Result<Fact, String> {
    let context = attribute(e, "contextRef").unwrap_or_default();
    let unit = attribute(e, "unitRef");
    let nil = is_nil(reader, e);
    let value = if empty { String::new() } else { text_until_end(reader, &format!("the fact {concept}"), line)? };
    Ok(Fact { concept, context, unit, value, nil, line })
}

/// A context: its id, its entity's identifier, its period and whether it has dimensions.
fn read_context(reader: &mut NsReader<&[u8]>, e: &BytesStart, line: u64) -> Result<(String, Context), String> {
    let id = attribute(e, "id").ok_or_else(|| format!("line {line}: a context without an id"))?;
    let (mut identifier, mut instant, mut start, mut end, mut forever, mut dimensional) = (None, None, None, None, false, false);
    let mut depth = 1usize;
    while depth > 0 {
        let event = reader.read_event().map_err(|err| format!("line {line}: context {id}: not well-formed XML: {err}"))?;
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(s) | Event::Empty(s) => {
                let (_, local) = reader.resolver().resolve_element(s.name());
                let local = local.as_ref().to_string();
                match local.as_str() {
                    "segment" | "scenario" => dimensional = true,
                    "forever" => forever = true,
                    _ => {}
                }
                let slot = match local.as_str() {
                    "identifier" => Some(&mut identifier),
                    "instant" => Some(&mut instant),
                    "startDate" => Some(&mut start),
                    "endDate" => Some(&mut end),
                    _ => None,
                };
                match slot {
                    Some(slot) if !empty => *slot = Some(text_until_end(reader, &format!("context {id}"), line)?.trim().to_string()),
                    _ if !empty => depth += 1,
                    _ => {}
                }
            }
            Event::End(_) => depth -= 1,
            Event::Eof => return Err(format!("line {line}: context {id} is not closed")),
            _ => {}
        }
    }
    let period = match (instant, start, end, forever) {
        (Some(i), None, None, false) => Period::Instant(i),
        (None, Some(s), Some(e), false) => Period::Duration(s, e),
        (None, None, None, true) => Period::Forever,
        _ => return Err(format!("line {line}: context {id}: its period is neither an instant, a startDate and an endDate, nor forever")),
    };
    let identifier = identifier.ok_or_else(|| format!("line {line}: context {id} has no entity identifier"))?;
    Ok((id, Context { identifier, period, dimensional }))
}

/// A unit: its id and its measure (`iso4217:EUR`, `xbrli:pure`, or another, e.g. a `divide`).
fn read_unit(reader: &mut NsReader<&[u8]>, e: &BytesStart, line: u64) -> Result<(String, Measure), String> {
    let id = attribute(e, "id").ok_or_else(|| format!("line {line}: a unit without an id"))?;
    let mut measures = vec![];
    let mut depth = 1usize;
    while depth > 0 {
        match reader.read_event().map_err(|err| format!("line {line}: unit {id}: not well-formed XML: {err}"))? {
            Event::Start(s) => {
                let (_, local) = reader.resolver().resolve_element(s.name());
                if local.as_ref() == "measure" {
                    let text = text_until_end(reader, &format!("unit {id}"), line)?;
                    let text = text.trim();
                    // the measure is a QName: its prefix is resolved where it is written
                    let (name, prefix) = quick_xml::name::QName(text).decompose();
                    let ns = reader.resolver().resolve_prefix(prefix, true);
                    let bound = |uri: &str| matches!(ns, ResolveResult::Bound(n) if n.as_ref() == uri);
                    measures.push(match name.as_ref() {
                        "EUR" if bound(ISO4217) => Measure::Unit(Unit::Eur),
                        "pure" if bound(XBRLI) => Measure::Unit(Unit::Pure),
                        _ => Measure::Other(text.to_string()),
                    });
                } else {
                    depth += 1;
                    if local.as_ref() == "divide" {
                        measures.push(Measure::Other("divide".into()));
                    }
                }
            }
            Event::End(_) => depth -= 1,
            Event::Eof => return Err(format!("line {line}: unit {id} is not closed")),
            _ => {}
        }
    }
    let measure = match measures.as_slice() {
        [one] => one.clone(),
        _ => Measure::Other(format!("{} measures", measures.len())),
    };
    Ok((id, measure))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An instance shaped like the NBB's (contexts CurrentDuration, PrecedingDuration,
    /// CurrentInstant, N-2Instant; units U-EUR and U-Pure; the filer's description in a tuple
    /// of pfs-gcd), with planted facts.
    pub(crate) const INSTANCE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<xbrli:xbrl xmlns:xbrli="http://www.xbrl.org/2003/instance" xmlns:link="http://www.xbrl.org/2003/linkbase"
  xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:iso4217="http://www.xbrl.org/2003/iso4217"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:pfs="http://www.nbb.be/be/fr/pfs/ci/2019-04-01" xmlns:pfs-gcd="http://www.nbb.be/be/fr/pfs/ci/gcd/2019-04-01"
  xmlns:d="http://www.nbb.be/be/fr/pfs/ci/dim/2019-04-01">
  <link:schemaRef xlink:type="simple" xlink:href="http://www.nbb.be/be/fr/pfs/ci/2019-04-01/m02-f.xsd"/>
  <xbrli:context id="CurrentDuration">
    <xbrli:entity><xbrli:identifier scheme="http://www.fgov.be">BE0403170701</xbrli:identifier></xbrli:entity>
    <xbrli:period><xbrli:startDate>2020-01-01</xbrli:startDate><xbrli:endDate>2020-12-31</xbrli:endDate></xbrli:period>
  </xbrli:context>
  <xbrli:context id="PrecedingDuration">
    <xbrli:entity><xbrli:identifier scheme="http://www.fgov.be">BE0403170701</xbrli:identifier></xbrli:entity>
    <xbrli:period><xbrli:startDate>2019-01-01</xbrli:startDate><xbrli:endDate>2019-12-31</xbrli:endDate></xbrli:period>
  </xbrli:context>
  <xbrli:context id="CurrentInstant">
    <xbrli:entity><xbrli:identifier scheme="http://www.fgov.be">BE0403170701</xbrli:identifier></xbrli:entity>
    <xbrli:period><xbrli:instant>2020-12-31</xbrli:instant></xbrli:period>
  </xbrli:context>
  <xbrli:context id="N-2Instant">
    <xbrli:entity><xbrli:identifier scheme="http://www.fgov.be">BE0403170701</xbrli:identifier></xbrli:entity>
    <xbrli:period><xbrli:instant>2018-12-31</xbrli:instant></xbrli:period>
  </xbrli:context>
  <xbrli:context id="CurrentDurationBreakdown">
    <xbrli:entity><xbrli:identifier scheme="http://www.fgov.be">BE0403170701</xbrli:identifier></xbrli:entity>
    <xbrli:period><xbrli:startDate>2020-01-01</xbrli:startDate><xbrli:endDate>2020-12-31</xbrli:endDate></xbrli:period>
    <xbrli:scenario><d:Part>x</d:Part></xbrli:scenario>
  </xbrli:context>
  <xbrli:unit id="U-EUR"><xbrli:measure>iso4217:EUR</xbrli:measure></xbrli:unit>
  <xbrli:unit id="U-Pure"><xbrli:measure>xbrli:pure</xbrli:measure></xbrli:unit>
  <xbrli:unit id="U-USD"><xbrli:measure>iso4217:USD</xbrli:measure></xbrli:unit>
  <pfs-gcd:EntityInformation>
    <pfs-gcd:EntityName><pfs-gcd:EntityCurrentLegalName contextRef="CurrentDuration">Planted NV</pfs-gcd:EntityCurrentLegalName></pfs-gcd:EntityName>
  </pfs-gcd:EntityInformation>
  <pfs:Turnover contextRef="CurrentDuration" unitRef="U-EUR" decimals="INF">1500000.50</pfs:Turnover>
  <pfs:Turnover contextRef="PrecedingDuration" unitRef="U-EUR" decimals="INF">1200000</pfs:Turnover>
  <pfs:AverageNumberEmployeesPersonnelRegisterTotalFullTimeEquivalents contextRef="CurrentDuration" unitRef="U-Pure" decimals="1">12.5</pfs:AverageNumberEmployeesPersonnelRegisterTotalFullTimeEquivalents>
  <pfs:TangibleFixedAssetsAcquisitionIncludingProducedFixedAssets contextRef="CurrentDuration" unitRef="U-USD" decimals="INF">300</pfs:TangibleFixedAssetsAcquisitionIncludingProducedFixedAssets>
  <pfs:Turnover contextRef="CurrentDurationBreakdown" unitRef="U-EUR" decimals="INF">7</pfs:Turnover>
  <pfs:RawMaterialsConsumables contextRef="CurrentDuration" unitRef="U-EUR" xsi:nil="true"/>
  <pfs:Assets contextRef="CurrentInstant" unitRef="U-EUR" decimals="INF">900000</pfs:Assets>
  <pfs:Assets contextRef="N-2Instant" unitRef="U-EUR" decimals="INF">800000</pfs:Assets>
</xbrli:xbrl>
"#;

    fn day(d: &str) -> i32 {
        parse_iso_date(d).unwrap()
    }

    fn concepts() -> ConceptMap {
        let c = |code: &str, unit| Concept { rubric_code: code.into(), unit, verified: false };
        [
            ("Turnover", c("70", Unit::Eur)),
            ("AverageNumberEmployeesPersonnelRegisterTotalFullTimeEquivalents", c("9087", Unit::Pure)),
            ("TangibleFixedAssetsAcquisitionIncludingProducedFixedAssets", c("8169", Unit::Eur)),
            ("RawMaterialsConsumables", c("60", Unit::Eur)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    #[test]
    fn facts_of_the_exercise_and_the_previous_one_become_rubric_values() {
        let instance = Instance::parse(INSTANCE.as_bytes()).unwrap();
        // the legal name, in pfs-gcd
        assert_eq!(instance.other_facts, 1);
        let out = instance.rows(&concepts(), day("2020-01-01"), day("2020-12-31"));
        let got: Vec<(&str, &str, &str, Option<&str>)> =
            out.rows.iter().map(|r| (r.rubric_code.as_str(), r.period, r.value.as_str(), r.unit_differs.as_deref())).collect();
        assert_eq!(
            got,
            vec![
                ("70", "N", "1500000.50", None),
                ("70", "NM1", "1200000", None),
                ("9087", "N", "12.5", None),
                // in dollars: a row, which the reader rejects
                ("8169", "N", "300", Some("iso4217:USD")),
            ]
        );
        assert_eq!(out.rows[0].position, "line 35: pfs:Turnover");
        // the breakdown (scenario) and the nil fact are not read
        assert_eq!(out.not_read, 2);
        // Assets is not in the table: listed with its first line
        assert_eq!(out.unmapped, vec![("Assets".to_string(), 41)]);
        assert_eq!(out.identifiers, vec!["0403.170.701".to_string()]);
    }

    #[test]
    fn the_previous_exercise_is_the_one_ending_the_day_before_the_start() {
        let instance = Instance::parse(INSTANCE.as_bytes()).unwrap();
        // an exercise of 2020-01-02 to 2020-12-31: no context is it, none ends on 2020-01-01
        let out = instance.rows(&concepts(), day("2020-01-02"), day("2020-12-31"));
        assert!(out.rows.is_empty());
        assert_eq!(out.not_read, 6);
        // the exercise ending one day later: the N facts no longer match (end date differs)
        let out = instance.rows(&concepts(), day("2020-01-01"), day("2021-01-01"));
        assert_eq!(out.rows.iter().map(|r| r.period).collect::<Vec<_>>(), vec!["NM1"]);
    }

    #[test]
    fn what_is_not_an_instance_is_an_error_naming_the_line() {
        assert!(Instance::parse(b"<root/>").unwrap_err().contains("not an XBRL instance"));
        let broken = INSTANCE.replace("<xbrli:endDate>2020-12-31</xbrli:endDate></xbrli:period>\n  </xbrli:context>\n  <xbrli:context id=\"PrecedingDuration\">", "</xbrli:period>\n  </xbrli:context>\n  <xbrli:context id=\"PrecedingDuration\">");
        let err = Instance::parse(broken.as_bytes()).unwrap_err();
        assert!(err.contains("line 8: context CurrentDuration"), "{err}");
        let nested = INSTANCE.replace("1200000</pfs:Turnover>", "<b>1200000</b></pfs:Turnover>");
        let err = Instance::parse(nested.as_bytes()).unwrap_err();
        assert!(err.contains("line 36: the fact Turnover holds an element"), "{err}");
        // cut in the middle of a fact's end tag (line 35), or of the next fact's start tag
        // (line 36): the line of the break
        let cut = &INSTANCE[..INSTANCE.find("1500000.50</pfs:Tur").unwrap() + 14];
        let err = Instance::parse(cut.as_bytes()).unwrap_err();
        assert!(err.starts_with("line 35: the fact Turnover"), "{err}");
        let cut = &INSTANCE[..INSTANCE.find("<pfs:Turnover contextRef=\"PrecedingDuration\"").unwrap() + 10];
        let err = Instance::parse(cut.as_bytes()).unwrap_err();
        assert!(err.starts_with("line 36: not well-formed XML"), "{err}");
        assert!(looks_like_xml(b"\xEF\xBB\xBF  <?xml"));
        assert!(!looks_like_xml(b" {\"a\":1}"));
    }
}
