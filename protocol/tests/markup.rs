//! `markup::parse`: the grammar in PROTOCOL.md §11, case by case, plus its
//! golden vectors (`vectors/markup.json`) and its linear time.

mod support;

use baton_protocol::markup::{Block, Inline, allowed_href, parse, plain_text};
use serde_json::Value;
use std::time::{Duration, Instant};
use support::crate_dir;

fn t(text: &str) -> Inline {
    Inline::Text { text: text.into() }
}
fn b(children: Vec<Inline>) -> Inline {
    Inline::Bold { children }
}
fn i(children: Vec<Inline>) -> Inline {
    Inline::Italic { children }
}
fn code(text: &str) -> Inline {
    Inline::Code { text: text.into() }
}
fn a(href: &str, children: Vec<Inline>) -> Inline {
    Inline::Link {
        href: href.into(),
        children,
    }
}
fn p(children: Vec<Inline>) -> Block {
    Block::Paragraph { children }
}
/// The inlines of a one-paragraph message.
fn line(text: &str) -> Vec<Inline> {
    match parse(text).as_slice() {
        [Block::Paragraph { children }] => children.clone(),
        other => panic!("{text:?} is not one paragraph: {other:?}"),
    }
}
/// The text a reader sees, marks dropped: what a renderer's textContent is.
fn shown(inlines: &[Inline]) -> String {
    inlines
        .iter()
        .map(|x| match x {
            Inline::Text { text } | Inline::Code { text } => text.clone(),
            Inline::Bold { children } | Inline::Italic { children } | Inline::Link { children, .. } => shown(children),
            Inline::Break => "\n".into(),
        })
        .collect()
}

#[test]
fn plain_text_is_one_text_node() {
    assert_eq!(line("hello, world"), vec![t("hello, world")]);
    assert!(parse("").is_empty());
    assert!(parse(" \n\t\n").is_empty());
}

#[test]
fn bold_italic_code() {
    assert_eq!(line("a **b** c"), vec![t("a "), b(vec![t("b")]), t(" c")]);
    assert_eq!(line("_i_"), vec![i(vec![t("i")])]);
    assert_eq!(line("run `ls -la` now"), vec![t("run "), code("ls -la"), t(" now")]);
    assert_eq!(line("un**believ**able"), vec![t("un"), b(vec![t("believ")]), t("able")]);
}

#[test]
fn nesting_of_different_marks() {
    assert_eq!(line("**bold _both_**"), vec![b(vec![t("bold "), i(vec![t("both")])])]);
    assert_eq!(line("_it **both**_"), vec![i(vec![t("it "), b(vec![t("both")])])]);
    assert_eq!(
        line("**[docs](https://a.example)**"),
        vec![b(vec![a("https://a.example", vec![t("docs")])])]
    );
    assert_eq!(
        line("[**big** `x`](https://a.example)"),
        vec![a("https://a.example", vec![b(vec![t("big")]), t(" "), code("x")])]
    );
}

#[test]
fn crossed_marks_close_the_inner_one_as_text() {
    // `_` closes the italic; the bold opened inside it never closed.
    assert_eq!(line("_a **b_ c**"), vec![i(vec![t("a **b")]), t(" c**")]);
}

#[test]
fn unclosed_marks_are_text() {
    for text in [
        "**bold",
        "_italic",
        "`code",
        "[text",
        "[text](/x",
        "a ** b",
        "**",
        "_",
        "x_",
    ] {
        assert_eq!(line(text), vec![t(text)], "{text:?}");
    }
    assert_eq!(line("**a _b**"), vec![b(vec![t("a _b")])]);
}

#[test]
fn other_runs_of_marks_are_text() {
    for text in ["***x***", "__init__", "****", "*one*", "a * b", "``", "2*3*4"] {
        assert_eq!(line(text), vec![t(text)], "{text:?}");
    }
}

#[test]
fn underscores_inside_words_stay_text() {
    for text in [
        "snake_case_name",
        "call my_fn_here now",
        "a_b_ c",
        "file_1.txt and file_2.txt",
        "x__y",
        "٣_٤_٥",
    ] {
        assert_eq!(line(text), vec![t(text)], "{text:?}");
    }
    assert_eq!(line("(_aside_)"), vec![t("("), i(vec![t("aside")]), t(")")]);
    assert_eq!(line("_snake_case_"), vec![i(vec![t("snake_case")])]);
}

#[test]
fn marks_next_to_spaces_are_text() {
    for text in ["5 ** 3 ** 2", "_ x _", "** x**"] {
        assert_eq!(line(text), vec![t(text)], "{text:?}");
    }
}

#[test]
fn code_spans_hold_marks_as_text() {
    assert_eq!(
        line("`**not bold** _nor_ [x](https://a.b)`"),
        vec![code("**not bold** _nor_ [x](https://a.b)")]
    );
    assert_eq!(line("`a\\`"), vec![code("a\\")]);
    // A code span wins over a mark that opened before it.
    assert_eq!(line("**a `b** c`"), vec![t("**a "), code("b** c")]);
    assert_eq!(
        line("`<script>alert(1)</script>`"),
        vec![code("<script>alert(1)</script>")]
    );
}

#[test]
fn backslash_escapes_punctuation() {
    assert_eq!(line(r"\*\*not bold\*\*"), vec![t("**not bold**")]);
    assert_eq!(
        line(r"\_x\_ and \`y\` and \[z](/a)"),
        vec![t("_x_ and `y` and [z](/a)")]
    );
    assert_eq!(line(r"a \\ b"), vec![t(r"a \ b")]);
    // Before anything else a backslash is itself.
    assert_eq!(line(r"C:\Users\me"), vec![t(r"C:\Users\me")]);
    assert_eq!(line("end\\"), vec![t("end\\")]);
    assert_eq!(parse(r"\- not an item"), vec![p(vec![t("- not an item")])]);
    assert_eq!(parse(r"2020\. A year"), vec![p(vec![t("2020. A year")])]);
}

#[test]
fn links_with_allowed_schemes() {
    assert_eq!(
        line("[site](https://a.example/x?q=1#y)"),
        vec![a("https://a.example/x?q=1#y", vec![t("site")])]
    );
    assert_eq!(
        line("[old](HTTP://a.example)"),
        vec![a("HTTP://a.example", vec![t("old")])]
    );
    assert_eq!(
        line("[write](mailto:help@a.example)"),
        vec![a("mailto:help@a.example", vec![t("write")])]
    );
    assert_eq!(
        line("[](https://a.example)"),
        vec![a("https://a.example", vec![t("https://a.example")])]
    );
    // Links do not nest: a second `[` is text of the first link's text.
    assert_eq!(
        line("[a [b](https://a.example)"),
        vec![a("https://a.example", vec![t("a [b")])]
    );
}

#[test]
fn links_with_other_schemes_are_text() {
    for text in [
        "[x](javascript:alert(1))",
        "[x](JavaScript:alert(1))",
        "[x](data:text/html,<script>alert(1)</script>)",
        "[x](vbscript:msgbox(1))",
        "[x](/relative/path)",
        "[x](//evil.example)",
        "[x](https:evil.example)",
        "[x](https://)",
        "[x](ftp://a.example)",
        "[x]()",
        "[x](mailto:a b)",
    ] {
        let got = line(text);
        assert!(
            got.iter().all(|x| matches!(x, Inline::Text { .. })),
            "{text:?} made an element: {got:?}"
        );
        assert_eq!(shown(&got), text);
    }
    assert!(!allowed_href("javascript:alert(1)"));
    assert!(!allowed_href("https://a.example/\u{7}"));
    assert!(allowed_href("https://a.example"));
}

#[test]
fn a_refused_link_keeps_the_marks_of_its_text() {
    assert_eq!(
        line("[**x**](javascript:alert(1))"),
        vec![t("["), b(vec![t("x")]), t("](javascript:alert(1))")]
    );
    // The refused link's brackets do not pair with a later link.
    assert_eq!(
        line("[x](javascript:a) [y](https://a.b)"),
        vec![t("[x](javascript:a) "), a("https://a.b", vec![t("y")])]
    );
    assert_eq!(
        line("[x] and [y](https://a.b)"),
        vec![t("[x] and "), a("https://a.b", vec![t("y")])]
    );
    // What is left of a broken link may hold a bare URL.
    let url = || a("https://a.b", vec![t("https://a.b")]);
    assert_eq!(line("[x] (https://a.b)"), vec![t("[x] ("), url(), t(")")]);
    assert_eq!(line("[x](https://a.b"), vec![t("[x]("), url()]);
}

#[test]
fn bare_urls_become_links() {
    assert_eq!(
        line("see https://a.example/x, then"),
        vec![
            t("see "),
            a("https://a.example/x", vec![t("https://a.example/x")]),
            t(", then")
        ]
    );
    assert_eq!(
        line("(http://a.example)"),
        vec![t("("), a("http://a.example", vec![t("http://a.example")]), t(")")]
    );
    let wiki = "https://en.wikipedia.org/wiki/Rust_(language)";
    assert_eq!(line(wiki), vec![a(wiki, vec![t(wiki)])]);
    assert_eq!(
        line("**https://a.example**"),
        vec![b(vec![a("https://a.example", vec![t("https://a.example")])])]
    );
    for text in [
        "https://",
        "https://...",
        "xhttps://a.example",
        "ftp://a.example",
        "javascript:alert(1)",
        "mailto:a@b.c",
    ] {
        assert_eq!(line(text), vec![t(text)], "{text:?}");
    }
}

#[test]
fn lists_and_paragraphs() {
    let blocks = parse("Hi!\nTwo lines\n\n- one\n- **two**\n1. first\n2. second\n\n7. seventh\nafter");
    assert_eq!(
        blocks,
        vec![
            p(vec![t("Hi!"), Inline::Break, t("Two lines")]),
            Block::Bullets {
                items: vec![vec![t("one")], vec![b(vec![t("two")])]]
            },
            Block::Numbered {
                start: 1,
                items: vec![vec![t("first")], vec![t("second")]]
            },
            Block::Numbered {
                start: 7,
                items: vec![vec![t("seventh")]]
            },
            p(vec![t("after")]),
        ]
    );
    // Not items: no space, a leading space, ten digits, a `*` bullet.
    for text in ["-x", " - x", "1.x", "1234567890. x", "* x", "a. b"] {
        assert_eq!(parse(text), vec![p(vec![t(text)])], "{text:?}");
    }
    assert_eq!(parse("- "), vec![Block::Bullets { items: vec![vec![]] }]);
    assert_eq!(parse("a\r\nb"), vec![p(vec![t("a"), Inline::Break, t("b")])]);
}

#[test]
fn marks_never_cross_lines() {
    assert_eq!(parse("**a\nb**"), vec![p(vec![t("**a"), Inline::Break, t("b**")])]);
    assert_eq!(parse("`a\nb`"), vec![p(vec![t("`a"), Inline::Break, t("b`")])]);
}

#[test]
fn unicode_and_right_to_left_text() {
    assert_eq!(line("مرحبا **بالعالم**"), vec![t("مرحبا "), b(vec![t("بالعالم")])]);
    assert_eq!(line("_שלום_ 👋🏽"), vec![i(vec![t("שלום")]), t(" 👋🏽")]);
    // A non-ASCII letter is a word character for `_`.
    assert_eq!(line("é_x_"), vec![t("é_x_")]);
    assert_eq!(
        parse("- 日本語 `コード`"),
        vec![Block::Bullets {
            items: vec![vec![t("日本語 "), code("コード")]]
        }]
    );
}

#[test]
fn html_is_text() {
    for text in [
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "\"><svg onload=alert(1)>",
        "&lt;b&gt; &amp; &#60;",
    ] {
        assert_eq!(line(text), vec![t(text)], "{text:?}");
    }
}

#[test]
fn plain_text_drops_the_marks_on_one_line() {
    assert_eq!(
        plain_text("Returns are **free** for _members_:\n- label `printed`\n- [posted](https://a.b)\nthanks\nbye"),
        "Returns are free for members: label printed posted thanks bye"
    );
    assert_eq!(plain_text("[x](javascript:y)"), "[x](javascript:y)");
    assert_eq!(plain_text(""), "");
}

#[test]
fn what_is_shown_is_the_input_less_its_marks() {
    // Every character of a text without marks or escapes survives.
    let text = "x < y && a > b; 50% off; \"quoted\" 'single' #hash @at ~tilde |pipe| {brace}";
    assert_eq!(shown(&line(text)), text);
}

/// 4,000 characters (the longest message) of runs that open marks and never
/// close them, in every order: parsing stays linear.
#[test]
fn pathological_input_is_linear() {
    let cases: Vec<String> = vec![
        "**_[".repeat(1000),
        "[a](".repeat(1000),
        "[a](javascript:".repeat(267),
        "_**".repeat(1334),
        "`".repeat(4000),
        "http://".repeat(572),
        "[**_`".repeat(800),
        "- **_[\n".repeat(572),
        "a_".repeat(2000),
    ];
    let started = Instant::now();
    for text in &cases {
        let blocks = parse(text);
        assert!(!blocks.is_empty());
    }
    // Generous for a slow debug build; a quadratic parser takes far longer
    // on the 10x input below.
    let ten_x: String = "**_[".repeat(10_000);
    let t0 = Instant::now();
    parse(&ten_x);
    let big = t0.elapsed();
    let t1 = Instant::now();
    parse(&ten_x[..4000]);
    let small = t1.elapsed().max(Duration::from_micros(50));
    assert!(big < small * 40, "10x the input took {big:?} vs {small:?}: not linear");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    // Nothing is lost: what is shown is the text less the marks it used.
    let blocks = parse(&"**_[".repeat(1000));
    let [Block::Paragraph { children }] = blocks.as_slice() else {
        panic!("one paragraph");
    };
    let marks: usize = children
        .iter()
        .map(|x| match x {
            Inline::Bold { .. } => 4,
            Inline::Italic { .. } => 2,
            _ => 0,
        })
        .sum();
    assert!(marks > 0);
    assert_eq!(shown(children).len() + marks, 4000);
}

/// `vectors/markup.json`: `{ "name", "input", "blocks" }` cases any
/// implementation can run.
#[test]
fn golden_vectors() {
    let path = crate_dir().join("vectors").join("markup.json");
    let text = std::fs::read_to_string(&path).expect("vectors/markup.json");
    let cases: Value = serde_json::from_str(&text).expect("markup.json is JSON");
    let Value::Array(mut cases) = cases else {
        panic!("vectors/markup.json is an array of cases");
    };
    assert!(cases.len() >= 20, "only {} markup vectors", cases.len());
    let bless = std::env::var("BATON_BLESS").is_ok_and(|v| v == "1");
    for case in &mut cases {
        let name = case["name"].as_str().expect("a name").to_owned();
        let input = case["input"].as_str().expect("an input");
        let got = serde_json::to_value(parse(input)).expect("blocks serialise");
        if bless {
            case["blocks"] = got;
        } else {
            assert_eq!(
                got, case["blocks"],
                "markup vector {name:?} (BATON_BLESS=1 rewrites the file; read the diff)"
            );
        }
    }
    if bless {
        let text = serde_json::to_string_pretty(&cases).expect("cases serialise") + "\n";
        std::fs::write(&path, text).expect("write vectors/markup.json");
    }
}
