//! The left pane: the two views and the conversation rows.

use crate::format::{badge, relative_time};
use crate::state::{Tab, ownership};
use baton_protocol::operator::ConversationSummary;
use baton_protocol::{ConversationId, OperatorId, Timestamp};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ConversationListProps {
    /// The rows of the current tab, newest first.
    pub rows: Vec<ConversationSummary>,
    pub tab: Tab,
    pub total: usize,
    pub assigned: usize,
    pub me: Option<OperatorId>,
    pub selected: Option<ConversationId>,
    pub now: Timestamp,
    /// No welcome yet.
    pub loading: bool,
    pub on_select: Callback<ConversationId>,
    pub on_tab: Callback<Tab>,
}

#[component]
pub fn ConversationList(props: &ConversationListProps) -> Html {
    let tab = |tab: Tab, label: &'static str, count: usize| {
        let on_tab = props.on_tab.clone();
        let active = props.tab == tab;
        html! {
            <button type="button" role="tab" aria-selected={active.to_string()}
                class={classes!("tab", active.then_some("tab-active"))}
                onclick={Callback::from(move |_| on_tab.emit(tab))}>
                <span class="tab-label">{ label }</span>
                <span class="tab-count" aria-hidden="true">{ count }</span>
            </button>
        }
    };

    let body = if props.loading && props.rows.is_empty() {
        html! { <p class="list-empty">{ "Loading conversations…" }</p> }
    } else if props.rows.is_empty() {
        let text = match props.tab {
            Tab::Main => "No conversations yet. They appear here as visitors start chatting.",
            Tab::Mine => "Nothing assigned to you. Join a chat and it shows up here.",
        };
        html! { <p class="list-empty">{ text }</p> }
    } else {
        html! {
            <ul class="conversation-list" aria-label="Conversations">
                { for props.rows.iter().map(|row| row_view(props, row)) }
            </ul>
        }
    };

    html! {
        <aside class="pane pane-list">
            <div class="tabs" role="tablist" aria-label="Views">
                { tab(Tab::Main, "Main inbox", props.total) }
                { tab(Tab::Mine, "Assigned to me", props.assigned) }
            </div>
            { body }
        </aside>
    }
}

fn row_view(props: &ConversationListProps, row: &ConversationSummary) -> Html {
    let selected = props.selected.as_ref() == Some(&row.id);
    let onclick = {
        let (id, on_select) = (row.id.clone(), props.on_select.clone());
        Callback::from(move |_| on_select.emit(id.clone()))
    };
    let pill = badge(ownership(&row.state, props.me.as_ref()));
    let urgent = pill.as_ref().is_some_and(|(_, class)| *class == "badge-waiting");
    let preview = match &row.last_message {
        Some(text) => html! { <span class="row-preview">{ text.clone() }</span> },
        None => html! { <span class="row-preview">{ "No messages yet" }</span> },
    };
    html! {
        <li key={row.id.as_str().to_owned()}>
            <button type="button" {onclick}
                class={classes!("conversation-row", selected.then_some("selected"), urgent.then_some("urgent"))}
                aria-current={selected.then_some("true")}>
                <span class={classes!("row-avatar", avatar_tone(&row.id))} aria-hidden="true">
                    { avatar_text(&row.visitor) }
                </span>
                <span class="row-main">
                    <span class="row-top">
                        <span class="row-visitor">{ row.visitor.clone() }</span>
                        <span class="row-time" title={super::full_time(row.last_activity)}>
                            { relative_time(props.now, row.last_activity) }
                        </span>
                    </span>
                    { preview }
                    if let Some((text, class)) = pill {
                        <span class={classes!("badge", class)}>{ text }</span>
                    }
                </span>
            </button>
        </li>
    }
}

/// Two characters of the visitor's label, e.g. "3F" for "Visitor 3f9a".
fn avatar_text(visitor: &str) -> String {
    let tag = visitor.rsplit(' ').next().unwrap_or(visitor);
    tag.chars()
        .filter(|c| c.is_alphanumeric())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

/// A stable colour per visitor, so rows are easy to tell apart.
fn avatar_tone(id: &ConversationId) -> &'static str {
    const TONES: [&str; 6] = ["tone-0", "tone-1", "tone-2", "tone-3", "tone-4", "tone-5"];
    let hash = id
        .as_str()
        .bytes()
        .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
    TONES[hash % TONES.len()]
}
