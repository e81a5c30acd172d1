//! A JSON document read without copying its text: strings borrow from the bytes they were
//! parsed from (unless they hold escapes), objects are lists of pairs in document order. The
//! CBSO reader parses half a million documents a year of a full delivery; a `serde_json::Value`
//! tree allocates every key and string and hashes every key into an index map, which cost most
//! of that reader's time (#31). Objects are small (three keys per rubric), so finding a key by
//! walking the pairs is cheaper than hashing it.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value whose strings borrow from the parsed bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum Loose<'a> {
    Null,
    Bool(bool),
    /// A number, as serde_json writes it back (`1234.5`, `-3`): the text a `Value` gave before.
    Number(serde_json::Number),
    String(Cow<'a, str>),
    Array(Vec<Loose<'a>>),
    Object(Object<'a>),
}

/// A JSON object: its pairs in document order; a key given twice keeps its first place and its
/// last value, as `serde_json::Map` does.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object<'a>(Vec<(Cow<'a, str>, Loose<'a>)>);

impl<'a> Object<'a> {
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_ref())
    }

    /// A key's value, whatever the key's case (the first such key).
    pub fn get(&self, key: &str) -> Option<&Loose<'a>> {
        self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
    }
}

impl<'a> Loose<'a> {
    pub fn as_object(&self) -> Option<&Object<'a>> {
        match self {
            Loose::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Loose<'a>]> {
        match self {
            Loose::Array(a) => Some(a),
            _ => None,
        }
    }

    /// Parses a document; strings without escapes borrow from `bytes`.
    pub fn parse(bytes: &'a [u8]) -> serde_json::Result<Loose<'a>> {
        serde_json::from_slice(bytes)
    }
}

/// Compact JSON, as `serde_json::Value` displays it (for a reject's raw value).
impl fmt::Display for Loose<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
        match self {
            Loose::Null => f.write_str("null"),
            Loose::Bool(b) => write!(f, "{b}"),
            Loose::Number(n) => write!(f, "{n}"),
            Loose::String(s) => f.write_str(&quoted(s)),
            Loose::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Loose::Object(o) => {
                f.write_str("{")?;
                for (i, (k, v)) in o.0.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{}:{v}", quoted(k))?;
                }
                f.write_str("}")
            }
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Loose<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseVisitor)
    }
}

/// A string, borrowed when the parser can hand it over unescaped.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Loose<'de>, E> {
        Ok(Loose::Null)
    }
    fn visit_none<E>(self) -> Result<Loose<'de>, E> {
        Ok(Loose::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Loose<'de>, E> {
        Ok(Loose::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Loose<'de>, E> {
        Ok(Loose::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Loose<'de>, E> {
        Ok(Loose::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Loose<'de>, E> {
        // serde_json::Value holds a non-finite number as null
        Ok(serde_json::Number::from_f64(v).map_or(Loose::Null, Loose::Number))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Loose<'de>, E> {
        Ok(Loose::String(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Loose<'de>, E> {
        Ok(Loose::String(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Loose<'de>, E> {
        Ok(Loose::String(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Loose::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose<'de>, A::Error> {
        let mut pairs: Vec<(Cow<'de, str>, Loose<'de>)> = Vec::with_capacity(map.size_hint().unwrap_or(4));
        while let Some(Text(key)) = map.next_key()? {
            let value: Loose<'de> = map.next_value()?;
            match pairs.iter_mut().find(|(k, _)| *k == key) {
                Some(pair) => pair.1 = value,
                None => pairs.push((key, value)),
            }
        }
        Ok(Loose::Object(Object(pairs)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree gives what `serde_json::Value` gives: the same text for numbers, strings with
    /// escapes decoded, a repeated key's last value in its first place, the same display.
    #[test]
    fn reads_as_serde_json_value_does() {
        let text = br#"{"Code":"70","Value":1234.50,"n":-3,"big":18446744073709551615,"s":"a\"b","Code":"71","x":[null,true,{"k":1e2}]}"#;
        let loose = Loose::parse(text).unwrap();
        let value: serde_json::Value = serde_json::from_slice(text).unwrap();
        assert_eq!(loose.to_string(), value.to_string());
        let o = loose.as_object().unwrap();
        assert_eq!(o.keys().collect::<Vec<_>>(), ["Code", "Value", "n", "big", "s", "x"]);
        assert_eq!(o.get("code"), Some(&Loose::String(Cow::Borrowed("71"))));
        assert_eq!(o.get("VALUE").unwrap().to_string(), "1234.5");
        assert_eq!(o.get("s"), Some(&Loose::String(Cow::Owned("a\"b".to_string()))));
        // a string without escapes is not copied
        assert!(matches!(o.get("Code"), Some(Loose::String(Cow::Borrowed(_)))));
        assert_eq!(o.get("x").unwrap().as_array().unwrap().len(), 3);
        assert!(Loose::parse(b"{\"a\":").is_err());
    }
}
