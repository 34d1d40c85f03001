//! Message markup: the light marks a message's `text` may carry — `**bold**`,
//! `_italic_`, `` `code` ``, `[text](url)`, bare `http(s)://` links, and
//! lines starting `- ` or `1. ` as list items — read into a small tree that
//! clients render by building elements, never HTML. The grammar is
//! PROTOCOL.md §11 ("Message markup"); `vectors/markup.json` pins it.
//!
//! [`parse`] is total and linear: every input is valid, and whatever is not
//! markup is kept as the text it is. Marks never span lines, marks of one
//! kind never nest, and links never nest, so the open marks are at most
//! three deep and each character is looked at a bounded number of times.

use serde::Serialize;

/// A paragraph or a list. Blocks are separated by blank lines or by a change
/// between paragraph lines, bullet items and numbered items.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// Consecutive plain lines, joined by [`Inline::Break`].
    Paragraph { children: Vec<Inline> },
    /// Lines starting `- `.
    Bullets { items: Vec<Vec<Inline>> },
    /// Lines starting with 1 to 9 digits and `. `; numbered from the first
    /// item's number, as in `<ol start>`.
    Numbered { start: u32, items: Vec<Vec<Inline>> },
}

/// A run of text inside a block. Adjacent text is always one `Text`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Inline {
    Text {
        text: String,
    },
    Bold {
        children: Vec<Inline>,
    },
    Italic {
        children: Vec<Inline>,
    },
    /// Shown exactly as written: nothing inside a code span is markup.
    Code {
        text: String,
    },
    /// `href` has passed [`allowed_href`]; no other link is ever made.
    Link {
        href: String,
        children: Vec<Inline>,
    },
    /// A line break inside a paragraph.
    Break,
}

/// The link schemes that become links: everything else is shown as text.
pub const LINK_SCHEMES: &[&str] = &["http://", "https://", "mailto:"];

/// Whether `url` may be a link's target: one of [`LINK_SCHEMES`] (any case)
/// followed by at least one character, and no whitespace or control
/// characters. Relative URLs, `javascript:`, `data:` and the rest are not.
pub fn allowed_href(url: &str) -> bool {
    let scheme = LINK_SCHEMES
        .iter()
        .any(|s| url.len() > s.len() && url.get(..s.len()).is_some_and(|head| head.eq_ignore_ascii_case(s)));
    scheme && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Reads a message's text into blocks. Never fails; empty text is no blocks.
#[expect(
    clippy::manual_pattern_char_comparison,
    reason = "a char pattern links memchr into the widget"
)]
pub fn parse(text: &str) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    // A blank line ends the block before it, whatever comes next.
    let mut joinable = false;
    // `split(|c| c == '\n')`, not `split('\n')`: a char pattern links memchr.
    for line in text.split(|c| c == '\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            joinable = false;
            continue;
        }
        let last = if joinable { blocks.last_mut() } else { None };
        match (list_item(line), last) {
            (Some((None, rest)), Some(Block::Bullets { items })) => items.push(inlines(rest)),
            (Some((Some(_), rest)), Some(Block::Numbered { items, .. })) => items.push(inlines(rest)),
            (Some((None, rest)), _) => blocks.push(Block::Bullets {
                items: vec![inlines(rest)],
            }),
            (Some((Some(start), rest)), _) => blocks.push(Block::Numbered {
                start,
                items: vec![inlines(rest)],
            }),
            (None, Some(Block::Paragraph { children })) => {
                children.push(Inline::Break);
                children.extend(inlines(line));
            }
            (None, _) => blocks.push(Block::Paragraph {
                children: inlines(line),
            }),
        }
        joinable = true;
    }
    blocks
}

/// The text a reader sees, on one line: the marks gone, blocks, items and
/// line breaks joined by a space. For previews and notifications.
pub fn plain_text(text: &str) -> String {
    fn push(out: &mut String, inlines: &[Inline]) {
        for inline in inlines {
            match inline {
                Inline::Text { text } | Inline::Code { text } => out.push_str(text),
                Inline::Bold { children } | Inline::Italic { children } | Inline::Link { children, .. } => {
                    push(out, children)
                }
                Inline::Break => out.push(' '),
            }
        }
    }
    let mut out = String::new();
    for block in parse(text) {
        let parts = match &block {
            Block::Paragraph { children } => std::slice::from_ref(children),
            Block::Bullets { items } | Block::Numbered { items, .. } => items.as_slice(),
        };
        for part in parts {
            if !out.is_empty() {
                out.push(' ');
            }
            push(&mut out, part);
        }
    }
    out
}

/// A list item's marker: `- ` (no number) or `N. ` with 1–9 digits; and the
/// rest of the line.
fn list_item(line: &str) -> Option<(Option<u32>, &str)> {
    if let Some(rest) = line.strip_prefix("- ") {
        return Some((None, rest));
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    let rest = from(line, digits).strip_prefix(". ")?;
    if !(1..=9).contains(&digits) {
        return None;
    }
    let start = line.bytes().take(digits).fold(0, |n, d| n * 10 + u32::from(d - b'0'));
    Some((Some(start), rest))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Root,
    Bold,
    Italic,
    Link,
}

impl Kind {
    /// What an unclosed opener shows as.
    fn mark(self) -> &'static str {
        match self {
            Kind::Root => "",
            Kind::Bold => "**",
            Kind::Italic => "_",
            Kind::Link => "[",
        }
    }
}

/// An open mark and what has been read since it.
struct Frame {
    kind: Kind,
    children: Vec<Inline>,
}

fn push_text(children: &mut Vec<Inline>, text: &str) {
    if text.is_empty() {
        return;
    }
    match children.last_mut() {
        Some(Inline::Text { text: last }) => last.push_str(text),
        _ => children.push(Inline::Text { text: text.to_owned() }),
    }
}

/// Moves `more` onto the end of `children`, joining text at the seam.
fn append(children: &mut Vec<Inline>, more: Vec<Inline>) {
    let mut more = more.into_iter();
    if let Some(first) = more.next() {
        match first {
            Inline::Text { text } => push_text(children, &text),
            other => children.push(other),
        }
    }
    children.extend(more);
}

// Slicing with `get`: indexing a `str` links its panic message, which
// formats chars with Debug and so Unicode's printable tables (about 4 KB
// gzip of the widget's WebAssembly). Every offset here is at an ASCII byte
// or a search result, so `get` always succeeds.
fn sub(s: &str, start: usize, end: usize) -> &str {
    s.get(start..end).unwrap_or_default()
}

fn from(s: &str, start: usize) -> &str {
    s.get(start..).unwrap_or_default()
}

/// A letter or digit for the `_` rule: ASCII letters and digits, and every
/// non-ASCII character that is not whitespace.
fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || (!c.is_ascii() && !c.is_whitespace())
}

struct Line<'a> {
    line: &'a str,
    stack: Vec<Frame>,
    /// Where the text not yet added to the top frame starts.
    plain: usize,
    /// A `](` before this offset cannot find its `)`: scanned already.
    no_paren_before: usize,
}

/// The inlines of one line.
fn inlines(line: &str) -> Vec<Inline> {
    let mut p = Line {
        line,
        stack: vec![Frame {
            kind: Kind::Root,
            children: Vec::new(),
        }],
        plain: 0,
        no_paren_before: 0,
    };
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        i = match bytes[i] {
            b'\\' if bytes.get(i + 1).is_some_and(u8::is_ascii_punctuation) => {
                p.flush(i);
                p.plain = i + 1; // the escaped character starts the next text
                i + 2
            }
            b'`' => match bytes.iter().skip(i + 1).position(|&b| b == b'`') {
                Some(0) => i + 2, // "``": an empty span is text
                Some(len) => {
                    p.flush(i);
                    let text = sub(line, i + 1, i + 1 + len).to_owned();
                    p.top().push(Inline::Code { text });
                    p.plain = i + len + 2;
                    p.plain
                }
                None => i + 1,
            },
            b'*' | b'_' => {
                let b = bytes[i];
                let run = bytes.iter().skip(i).take_while(|&&c| c == b).count();
                match (b, run) {
                    (b'*', 2) => p.mark(Kind::Bold, i, 2),
                    (b'_', 1) => p.mark(Kind::Italic, i, 1),
                    _ => i + run, // any other run is text
                }
            }
            b'[' if !p.is_open(Kind::Link) => {
                p.flush(i);
                p.open(Kind::Link, i + 1)
            }
            b']' if p.is_open(Kind::Link) => p.link_end(i),
            b'h' | b'H' if !p.is_open(Kind::Link) => p.bare_url(i),
            _ => i + 1,
        };
    }
    p.flush(bytes.len());
    while p.stack.len() > 1 {
        p.unwind();
    }
    p.stack.pop().map(|root| root.children).unwrap_or_default()
}

impl Line<'_> {
    fn top(&mut self) -> &mut Vec<Inline> {
        &mut self.stack.last_mut().expect("the root frame").children
    }

    /// Adds the text from `plain` up to `end` to the top frame.
    fn flush(&mut self, end: usize) {
        let text = sub(self.line, self.plain, end);
        push_text(&mut self.stack.last_mut().expect("the root frame").children, text);
        self.plain = end;
    }

    fn is_open(&self, kind: Kind) -> bool {
        self.stack.iter().any(|f| f.kind == kind)
    }

    fn open(&mut self, kind: Kind, after: usize) -> usize {
        self.stack.push(Frame {
            kind,
            children: Vec::new(),
        });
        self.plain = after;
        after
    }

    /// The top frame was never closed: its mark and contents become text of
    /// the frame below.
    fn unwind(&mut self) {
        let frame = self.stack.pop().expect("a frame above the root");
        let below = self.top();
        push_text(below, frame.kind.mark());
        append(below, frame.children);
    }

    /// Closes the innermost frame of `kind` (which is open), unwinding any
    /// frames above it, and returns its children.
    fn close(&mut self, kind: Kind) -> Vec<Inline> {
        while self.stack.last().is_some_and(|f| f.kind != kind) {
            self.unwind();
        }
        self.stack.pop().map(|f| f.children).unwrap_or_default()
    }

    /// A `**` or `_` at `at`: closes an open one of its kind, opens one, or
    /// is text. Returns where reading goes on.
    fn mark(&mut self, kind: Kind, at: usize, len: usize) -> usize {
        let before = sub(self.line, 0, at).chars().next_back();
        let after = from(self.line, at + len).chars().next();
        let spaced = |c: Option<char>| c.is_none_or(char::is_whitespace);
        let (can_open, can_close) = match kind {
            // `_` only at the edges of words, so snake_case stays text.
            Kind::Italic => (
                !spaced(after) && !before.is_some_and(is_word),
                !spaced(before) && !after.is_some_and(is_word),
            ),
            _ => (!spaced(after), !spaced(before)),
        };
        let end = at + len;
        if can_close && self.is_open(kind) {
            self.flush(at);
            let children = self.close(kind);
            let node = if kind == Kind::Bold {
                Inline::Bold { children }
            } else {
                Inline::Italic { children }
            };
            self.top().push(node);
            self.plain = end;
        } else if can_open && !self.is_open(kind) {
            self.flush(at);
            self.open(kind, end);
        }
        end
    }

    /// `]` at `at` with a link open: the link text ends here. With `(url)`
    /// after it (up to the first `)`, no whitespace) and an allowed `url`,
    /// it is a link; otherwise the `[` and the `]` are text (what is between
    /// them keeps its marks).
    fn link_end(&mut self, at: usize) -> usize {
        let start = at + 2;
        let rest = self
            .line
            .get(start..)
            .filter(|_| from(self.line, at + 1).starts_with('('));
        let close = match rest {
            Some(_) if start < self.no_paren_before => None,
            Some(rest) => match rest.find(|c: char| c == ')' || c.is_whitespace()) {
                Some(len) if from(rest, len).starts_with(')') => Some(len),
                // Nothing up to here has a `)`: no later `](` before it can.
                stop => {
                    self.no_paren_before = start + stop.unwrap_or(rest.len());
                    None
                }
            },
            None => None,
        };
        let href = close.map(|len| sub(self.line, start, start + len));
        self.flush(at);
        let Some(href) = href.filter(|href| allowed_href(href)) else {
            // Not a link: the `[` and the text since stay text, as written.
            while self.stack.last().is_some_and(|f| f.kind != Kind::Link) {
                self.unwind();
            }
            self.unwind();
            // A refused `](url)` is text as a whole, marks inside it too.
            return close.map_or(at + 1, |len| start + len + 1);
        };
        let mut children = self.close(Kind::Link);
        if children.is_empty() {
            push_text(&mut children, href);
        }
        self.top().push(Inline::Link {
            href: href.to_owned(),
            children,
        });
        self.plain = start + href.len() + 1;
        self.plain
    }

    /// `http://…` or `https://…` starting a word at `at`: a link to itself,
    /// up to the next whitespace, less trailing punctuation.
    fn bare_url(&mut self, at: usize) -> usize {
        let rest = from(self.line, at);
        let starts = |s: &str| rest.get(..s.len()).is_some_and(|h| h.eq_ignore_ascii_case(s));
        let scheme = if starts("https://") {
            8
        } else if starts("http://") {
            7
        } else {
            return at + 1;
        };
        if sub(self.line, 0, at).chars().next_back().is_some_and(is_word) {
            return at + 1;
        }
        let len = rest
            .find(|c: char| c.is_whitespace() || c.is_control())
            .unwrap_or(rest.len());
        // A `)` ends the URL unless the URL opened one: "(see https://a.b)"
        // but "https://en.wikipedia.org/wiki/Rust_(language)".
        let url = sub(rest, 0, len);
        let keeps_paren = url.bytes().any(|b| b == b'(');
        // A `match`, not `".,…".contains(c)`: that links a substring search.
        let trailing = |b: u8| {
            matches!(
                b,
                b'.' | b',' | b':' | b';' | b'!' | b'?' | b'\'' | b'"' | b'*' | b'_' | b']'
            ) || (b == b')' && !keeps_paren)
        };
        let end = url.len() - url.bytes().rev().take_while(|&b| trailing(b)).count();
        let url = sub(url, 0, end);
        if url.len() <= scheme {
            return at + scheme;
        }
        self.flush(at);
        let text = url.to_owned();
        self.top().push(Inline::Link {
            href: text.clone(),
            children: vec![Inline::Text { text }],
        });
        self.plain = at + url.len();
        self.plain
    }
}
