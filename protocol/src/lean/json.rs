//! A minimal JSON reader and writer with no generics to speak of: one
//! parser, one value type. Enough for Baton's frames — objects, arrays,
//! strings, integers, booleans, null — and tolerant of anything else a newer
//! peer sends in fields this build ignores (fractions and exponents parse
//! to [`Json::Other`]).

/// A parsed JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// A non-negative integer (Baton's ids, seqs and times).
    Uint(u64),
    /// Any other number; Baton never sends one, so its value is not kept.
    Other,
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Uint(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Arr(items) => Some(items),
            _ => None,
        }
    }
}

/// Parses one JSON document; `None` if it is not valid JSON.
pub fn parse(text: &str) -> Option<Json> {
    let mut p = Parser {
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
    };
    let value = p.value()?;
    p.ws();
    (p.pos == p.bytes.len()).then_some(value)
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: u32,
}

/// Deeper nesting than any frame needs is refused (no stack exhaustion).
const MAX_DEPTH: u32 = 64;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.ws();
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    fn literal(&mut self, word: &[u8], value: Json) -> Option<Json> {
        self.bytes[self.pos..].starts_with(word).then(|| {
            self.pos += word.len();
            value
        })
    }

    fn value(&mut self) -> Option<Json> {
        self.ws();
        match self.peek()? {
            b'{' => self.nested(|p| p.object()),
            b'[' => self.nested(|p| p.array()),
            b'"' => self.string().map(Json::Str),
            b't' => self.literal(b"true", Json::Bool(true)),
            b'f' => self.literal(b"false", Json::Bool(false)),
            b'n' => self.literal(b"null", Json::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Option<Json>) -> Option<Json> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let value = f(self);
        self.depth -= 1;
        value
    }

    fn object(&mut self) -> Option<Json> {
        self.pos += 1;
        let mut fields = Vec::new();
        if self.eat(b'}').is_some() {
            return Some(Json::Obj(fields));
        }
        loop {
            self.ws();
            let key = self.string()?;
            self.eat(b':')?;
            let value = self.value()?;
            fields.push((key, value));
            self.ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(Json::Obj(fields));
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self) -> Option<Json> {
        self.pos += 1;
        let mut items = Vec::new();
        if self.eat(b']').is_some() {
            return Some(Json::Arr(items));
        }
        loop {
            items.push(self.value()?);
            self.ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(Json::Arr(items));
                }
                _ => return None,
            }
        }
    }

    fn number(&mut self) -> Option<Json> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let digits = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        if self.pos == digits {
            return None;
        }
        let mut plain = !negative;
        if self.peek() == Some(b'.') {
            plain = false;
            self.pos += 1;
            let frac = self.pos;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
            if self.pos == frac {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            plain = false;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            let exp = self.pos;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
            if self.pos == exp {
                return None;
            }
        }
        if !plain {
            return Some(Json::Other);
        }
        let text = std::str::from_utf8(&self.bytes[start..self.pos]).ok()?;
        Some(text.parse::<u64>().map_or(Json::Other, Json::Uint))
    }

    fn hex4(&mut self) -> Option<u32> {
        let hex = self.bytes.get(self.pos..self.pos + 4)?;
        self.pos += 4;
        let mut n = 0;
        for b in hex {
            n = n * 16 + (*b as char).to_digit(16)?;
        }
        Some(n)
    }

    fn string(&mut self) -> Option<String> {
        if self.peek()? != b'"' {
            return None;
        }
        self.pos += 1;
        let mut out = String::new();
        loop {
            let start = self.pos;
            while !matches!(self.peek()?, b'"' | b'\\') {
                if self.peek()? < 0x20 {
                    return None; // control characters must be escaped
                }
                self.pos += 1;
            }
            out.push_str(std::str::from_utf8(&self.bytes[start..self.pos]).ok()?);
            let byte = self.peek()?;
            self.pos += 1;
            if byte == b'"' {
                return Some(out);
            }
            let escaped = self.peek()?;
            self.pos += 1;
            match escaped {
                b'"' => out.push('"'),
                b'\\' => out.push('\\'),
                b'/' => out.push('/'),
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{c}'),
                b'n' => out.push('\n'),
                b'r' => out.push('\r'),
                b't' => out.push('\t'),
                b'u' => {
                    let mut code = self.hex4()?;
                    if (0xD800..0xDC00).contains(&code) {
                        // A surrogate pair: the low half must follow.
                        if self.bytes.get(self.pos..self.pos + 2)? != b"\\u" {
                            return None;
                        }
                        self.pos += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..0xE000).contains(&low) {
                            return None;
                        }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    }
                    out.push(char::from_u32(code)?);
                }
                _ => return None,
            }
        }
    }
}

/// Writes JSON text.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
    /// Whether the object being written still needs its first comma.
    fresh: bool,
}

impl Writer {
    pub fn object() -> Writer {
        Writer {
            out: String::from("{"),
            fresh: true,
        }
    }

    fn key(&mut self, key: &str) {
        if !self.fresh {
            self.out.push(',');
        }
        self.fresh = false;
        string(&mut self.out, key);
        self.out.push(':');
    }

    pub fn str(mut self, key: &str, value: &str) -> Writer {
        self.key(key);
        string(&mut self.out, value);
        self
    }

    pub fn opt_str(self, key: &str, value: Option<&str>) -> Writer {
        match value {
            Some(v) => self.str(key, v),
            None => self,
        }
    }

    pub fn uint(mut self, key: &str, value: u64) -> Writer {
        self.key(key);
        self.out.push_str(&value.to_string());
        self
    }

    pub fn opt_uint(self, key: &str, value: Option<u64>) -> Writer {
        match value {
            Some(v) => self.uint(key, v),
            None => self,
        }
    }

    pub fn bool(mut self, key: &str, value: bool) -> Writer {
        self.key(key);
        self.out.push_str(if value { "true" } else { "false" });
        self
    }

    pub fn strs(mut self, key: &str, values: &[String]) -> Writer {
        self.key(key);
        self.out.push('[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            string(&mut self.out, v);
        }
        self.out.push(']');
        self
    }

    /// Embeds already-written JSON (an object from another `Writer`).
    pub fn raw(mut self, key: &str, json: &str) -> Writer {
        self.key(key);
        self.out.push_str(json);
        self
    }

    pub fn raws(mut self, key: &str, items: &[String]) -> Writer {
        self.key(key);
        self.out.push('[');
        self.out.push_str(&items.join(","));
        self.out.push(']');
        self
    }

    pub fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

/// Appends `value` as a JSON string literal.
pub fn string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_frames_contain_and_tolerates_the_rest() {
        let v = parse(r#" {"a":[1,true,null,"x\n\u00e9\ud83d\ude00"],"b":{"c":-1.5e3},"d":18446744073709551615} "#)
            .unwrap();
        assert_eq!(v.get("a").unwrap().as_array().unwrap()[3].as_str(), Some("x\né😀"));
        assert_eq!(v.get("b").unwrap().get("c"), Some(&Json::Other));
        assert_eq!(v.get("d").unwrap().as_u64(), Some(u64::MAX));
    }

    #[test]
    fn refuses_what_is_not_json() {
        for bad in [
            "",
            "{",
            "{\"a\"}",
            "[1,]",
            "{\"a\":1,}",
            "\"\u{1}\"",
            "01x",
            "{} {}",
            "tru",
            "\"\\ud800\"",
        ] {
            assert!(parse(bad).is_none(), "{bad:?}");
        }
        assert!(parse(&"[".repeat(100)).is_none(), "deep nesting is refused");
    }

    #[test]
    fn writes_escaped_strings() {
        let text = Writer::object()
            .str("t", "a\"b\\c\n\u{1}é")
            .uint("n", 7)
            .bool("b", false)
            .finish();
        assert_eq!(text, r#"{"t":"a\"b\\c\n\u0001é","n":7,"b":false}"#);
        assert_eq!(
            parse(&text).unwrap().get("t").unwrap().as_str(),
            Some("a\"b\\c\n\u{1}é")
        );
    }
}
