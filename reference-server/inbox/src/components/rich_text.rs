//! Message and note text as elements: the protocol's markup tree
//! (`markup::parse`) built into Yew nodes. Text is always a text node; a
//! link's `href` is only one the parser allowed (http, https, mailto).
//! No HTML strings. The widget has its own copy (`widget/src/web/rich.rs`):
//! the two apps share no Yew code.

use baton_protocol::markup::{Block, Inline, parse};
use yew::prelude::*;

/// A message's text, formatted. Every author's text gets the same treatment:
/// the marks belong to the text, not to who wrote it.
pub fn rich_text(text: &str) -> Html {
    parse(text).into_iter().map(block).collect()
}

fn block(block: Block) -> Html {
    let item = |inlines: Vec<Inline>| html! { <li>{ inlines_html(inlines) }</li> };
    match block {
        Block::Paragraph { children } => html! { <p dir="auto">{ inlines_html(children) }</p> },
        Block::Bullets { items } => html! { <ul dir="auto">{ for items.into_iter().map(item) }</ul> },
        Block::Numbered { start, items } => html! {
            <ol dir="auto" start={(start != 1).then(|| start.to_string())}>{ for items.into_iter().map(item) }</ol>
        },
    }
}

fn inlines_html(inlines: Vec<Inline>) -> Html {
    inlines.into_iter().map(inline).collect()
}

fn inline(inline: Inline) -> Html {
    match inline {
        Inline::Text { text } => html! { text },
        Inline::Bold { children } => html! { <strong>{ inlines_html(children) }</strong> },
        Inline::Italic { children } => html! { <em>{ inlines_html(children) }</em> },
        Inline::Code { text } => html! { <code>{ text }</code> },
        Inline::Link { href, children } => html! {
            <a {href} rel="noopener noreferrer" target="_blank">{ inlines_html(children) }</a>
        },
        Inline::Break => html! { <br /> },
    }
}
