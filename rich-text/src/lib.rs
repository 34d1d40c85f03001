//! Message text as elements: `baton_protocol::markup`'s tree built into Yew
//! nodes, for the widget and the inbox alike. Text is always a text node; a
//! link's `href` is only ever one the parser allowed (http, https, mailto).
//! No HTML strings.
//!
//! The tree is walked by reference: collecting a `Vec`'s `into_iter()` into
//! Yew nodes links Rust's in-place collection, about 1 KB of the widget's
//! WebAssembly. Plain functions, no components: each component costs the
//! widget Yew's lifecycle machinery again.
//!
//! No `dir` on the blocks: the caller's element (the bubble) has
//! `dir="auto"`, and `dir=auto` skips descendants with a `dir` of their own
//! when it looks for the first strong character, so inner `dir`s would leave
//! the bubble itself left-to-right. The whole message takes one direction.

#![cfg(target_arch = "wasm32")]

use baton_protocol::markup::{Block, Inline, parse};
use yew::prelude::*;

/// A message's (or note's) text, formatted. Every author's text gets the
/// same treatment: the marks belong to the text, not to who wrote it.
pub fn rich_text(text: &str) -> Html {
    blocks::<false>(text)
}

/// The same, each link showing its destination as its `title` (on hover):
/// for operators, since a visitor's link text may name somewhere else than
/// the link goes.
pub fn rich_text_titled(text: &str) -> Html {
    blocks::<true>(text)
}

// `TITLED` is a const parameter rather than an argument so the widget,
// which never titles links, links none of that code.
fn blocks<const TITLED: bool>(text: &str) -> Html {
    parse(text).iter().map(block::<TITLED>).collect()
}

fn block<const TITLED: bool>(block: &Block) -> Html {
    match block {
        Block::Paragraph { children } => html! { <p>{ inlines::<TITLED>(children) }</p> },
        Block::Bullets { items } => html! { <ul>{ list_items::<TITLED>(items) }</ul> },
        Block::Numbered { start, items } => html! {
            <ol start={(*start != 1).then(|| start.to_string())}>{ list_items::<TITLED>(items) }</ol>
        },
    }
}

fn list_items<const TITLED: bool>(items: &[Vec<Inline>]) -> Html {
    items
        .iter()
        .map(|item| html! { <li>{ inlines::<TITLED>(item) }</li> })
        .collect()
}

fn inlines<const TITLED: bool>(inlines: &[Inline]) -> Html {
    inlines.iter().map(inline::<TITLED>).collect()
}

fn inline<const TITLED: bool>(inline: &Inline) -> Html {
    match inline {
        Inline::Text { text } => html! { text.clone() },
        Inline::Bold { children } => html! { <strong>{ inlines::<TITLED>(children) }</strong> },
        Inline::Italic { children } => html! { <em>{ inlines::<TITLED>(children) }</em> },
        Inline::Code { text } => html! { <code>{ text.clone() }</code> },
        Inline::Link { href, children } => html! {
            <a href={href.clone()} title={TITLED.then(|| href.clone())}
                rel="noopener noreferrer" target="_blank">{ inlines::<TITLED>(children) }</a>
        },
        Inline::Break => html! { <br /> },
    }
}
