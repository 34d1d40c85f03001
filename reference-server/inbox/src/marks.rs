//! The format bar's text work: putting the protocol's light marks
//! (`baton_protocol::markup`) around the composer's selection, or taking
//! them off again. Offsets are byte offsets into the draft; the component
//! converts the textarea's UTF-16 selection.

/// A button (or shortcut) of the format bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    Bold,
    Italic,
    Code,
    Link,
    List,
}

/// The draft after a mark, and what to select in it (byte offsets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marked {
    pub text: String,
    pub select: (usize, usize),
}

/// What a new link's target starts as, selected so a paste replaces it.
const LINK_URL: &str = "https://";

/// Applies `mark` to `text[start..end]`. `link_text` is a new link's text
/// when none was selected (in the operator's language). Inline marks wrap the selection
/// less its surrounding spaces (a mark next to a space is text, PROTOCOL.md
/// §11), or unwrap it if it is wrapped already; List toggles `- ` on every
/// line the selection touches.
pub fn apply(text: &str, start: usize, end: usize, mark: Mark, link_text: &str) -> Marked {
    let end = end.min(text.len());
    let start = start.min(end);
    match mark {
        Mark::Bold => wrap(text, start, end, "**", "**"),
        Mark::Italic => wrap(text, start, end, "_", "_"),
        Mark::Code => wrap(text, start, end, "`", "`"),
        Mark::Link => link(text, start, end, link_text),
        Mark::List => list(text, start, end),
    }
}

/// `(before, selection less its spaces, after)` as byte ranges' ends.
fn trimmed(text: &str, start: usize, end: usize) -> (usize, usize) {
    let selected = &text[start..end];
    let core_start = start + (selected.len() - selected.trim_start().len());
    let core_end = (start + selected.trim_end().len()).max(core_start);
    (core_start, core_end)
}

fn wrap(text: &str, start: usize, end: usize, open: &str, close: &str) -> Marked {
    let (s, e) = trimmed(text, start, end);
    let (before, core, after) = (&text[..s], &text[s..e], &text[e..]);
    // Already marked around the selection, or the selection holds the marks:
    // take them off.
    if before.ends_with(open) && after.starts_with(close) && !core.is_empty() {
        let text = format!(
            "{}{core}{}",
            &before[..before.len() - open.len()],
            &after[close.len()..]
        );
        return Marked {
            text,
            select: (s - open.len(), e - open.len()),
        };
    }
    if core.len() > open.len() + close.len() && core.starts_with(open) && core.ends_with(close) {
        let inner = &core[open.len()..core.len() - close.len()];
        return Marked {
            text: format!("{before}{inner}{after}"),
            select: (s, s + inner.len()),
        };
    }
    Marked {
        text: format!("{before}{open}{core}{close}{after}"),
        select: (s + open.len(), e + open.len()),
    }
}

fn link(text: &str, start: usize, end: usize, link_text: &str) -> Marked {
    let (s, e) = trimmed(text, start, end);
    let (before, core, after) = (&text[..s], &text[s..e], &text[e..]);
    if baton_protocol::markup::allowed_href(core) {
        // A URL was selected: it is the target; select the text to write.
        let at = s + 1;
        return Marked {
            text: format!("{before}[{link_text}]({core}){after}"),
            select: (at, at + link_text.len()),
        };
    }
    let label = if core.is_empty() { link_text } else { core };
    let url_at = s + 1 + label.len() + 2;
    Marked {
        text: format!("{before}[{label}]({LINK_URL}){after}"),
        select: (url_at, url_at + LINK_URL.len()),
    }
}

fn list(text: &str, start: usize, end: usize) -> Marked {
    let first = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let last = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let lines: Vec<&str> = text[first..last].split('\n').collect();
    let filled = || lines.iter().filter(|l| !l.trim().is_empty());
    let listed = filled().count() > 0 && filled().all(|l| l.starts_with("- "));
    let block: Vec<String> = lines
        .iter()
        .map(|line| match line.strip_prefix("- ") {
            Some(rest) if listed => rest.to_owned(),
            _ if listed || line.starts_with("- ") || (lines.len() > 1 && line.trim().is_empty()) => (*line).to_owned(),
            _ => format!("- {line}"),
        })
        .collect();
    let block = block.join("\n");
    let text = format!("{}{block}{}", &text[..first], &text[last..]);
    let select = if start == end && lines.len() == 1 {
        // A caret: keep it where it was in the line.
        let moved = block.len() as isize - (last - first) as isize;
        let caret = (start as isize + moved).max(first as isize) as usize;
        (caret, caret)
    } else {
        (first, first + block.len())
    };
    Marked { text, select }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_protocol::markup::{Block, Inline, parse};

    fn at(text: &str, sel: &str, mark: Mark) -> Marked {
        let start = text.find(sel).expect("the selection is in the text");
        apply(text, start, start + sel.len(), mark, "link text")
    }

    fn caret(text: &str, at: usize, mark: Mark) -> Marked {
        apply(text, at, at, mark, "link text")
    }

    #[test]
    fn bold_wraps_the_selection_less_its_spaces() {
        let m = at("make this bold please", " this bold ", Mark::Bold);
        assert_eq!(m.text, "make **this bold** please");
        assert_eq!(&m.text[m.select.0..m.select.1], "this bold");
        // What the marks make is what the protocol reads as bold.
        let blocks = parse(&m.text);
        let [Block::Paragraph { children }] = blocks.as_slice() else {
            panic!("one paragraph: {blocks:?}")
        };
        assert!(matches!(&children[1], Inline::Bold { .. }));
    }

    #[test]
    fn a_second_press_takes_the_mark_off() {
        let once = at("say hi", "hi", Mark::Italic);
        assert_eq!(once.text, "say _hi_");
        let twice = apply(&once.text, once.select.0, once.select.1, Mark::Italic, "");
        assert_eq!(twice.text, "say hi");
        let inside = at("say `hi`", "`hi`", Mark::Code);
        assert_eq!(inside.text, "say hi");
    }

    #[test]
    fn nothing_selected_puts_the_caret_between_marks() {
        let m = caret("ab", 1, Mark::Code);
        assert_eq!(m.text, "a``b");
        assert_eq!(m.select, (2, 2));
    }

    #[test]
    fn link_selects_the_url_to_paste_over() {
        let m = at("see the docs", "the docs", Mark::Link);
        assert_eq!(m.text, "see [the docs](https://)");
        assert_eq!(&m.text[m.select.0..m.select.1], "https://");
        let m = at("go https://a.example now", "https://a.example", Mark::Link);
        assert_eq!(m.text, "go [link text](https://a.example) now");
        assert_eq!(&m.text[m.select.0..m.select.1], "link text");
    }

    #[test]
    fn list_toggles_every_touched_line() {
        let text = "Steps:\none\ntwo";
        let start = text.find("ne").unwrap();
        let m = apply(text, start, text.len() - 1, Mark::List, "");
        assert_eq!(m.text, "Steps:\n- one\n- two");
        assert_eq!(&m.text[m.select.0..m.select.1], "- one\n- two");
        let back = apply(&m.text, m.select.0, m.select.1, Mark::List, "");
        assert_eq!(back.text, text);
        let listed = caret("", 0, Mark::List);
        assert_eq!((listed.text.as_str(), listed.select), ("- ", (2, 2)));
        let linked = caret("see ", 4, Mark::Link);
        assert_eq!(linked.text, "see [link text](https://)");
    }

    #[test]
    fn offsets_stay_on_character_boundaries() {
        let m = at("مرحبا بالعالم", "بالعالم", Mark::Bold);
        assert_eq!(m.text, "مرحبا **بالعالم**");
        assert!(m.text.is_char_boundary(m.select.0) && m.text.is_char_boundary(m.select.1));
    }
}
