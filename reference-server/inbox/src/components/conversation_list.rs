//! The list pane: the current view's title, the bot filter, a search box in
//! the Resolved view, and one row per conversation with what an operator
//! scans for — who, what they last said, where from, whether they are still
//! there, how long they have waited, who has them.

use crate::format::{badge, clock, flag, presence_label, relative_time, window_tone};
use crate::i18n::{count, fill, t};
use crate::state::{View, ownership, waiting_since};
use baton_protocol::operator::{BotInfo, ConversationSummary};
use baton_protocol::presence::VisitorPresence;
use baton_protocol::queue::Priority;
use baton_protocol::{BotId, ConversationId, HandoverState, OperatorId, Timestamp};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ConversationListProps {
    /// The rows of the current view, in its order.
    pub rows: Vec<ConversationSummary>,
    pub view: View,
    pub me: Option<OperatorId>,
    pub selected: Option<ConversationId>,
    pub now: Timestamp,
    /// No welcome yet.
    pub loading: bool,
    /// The bots I serve; the filter shows when there is more than one.
    pub bots: Vec<BotInfo>,
    pub bot_filter: Option<BotId>,
    /// Conversations whose visitor is typing.
    pub typing: Vec<ConversationId>,
    pub resolved_query: String,
    pub on_select: Callback<ConversationId>,
    pub on_bot_filter: Callback<Option<BotId>>,
    pub on_search: Callback<String>,
}

pub fn view_title(view: View) -> &'static str {
    match view {
        View::Waiting => t().view_waiting,
        View::Mine => t().view_mine,
        View::Open => t().view_open,
        View::Left => t().view_left,
        View::Resolved => t().view_resolved,
    }
}

#[component]
pub fn ConversationList(props: &ConversationListProps) -> Html {
    let on_filter = {
        let cb = props.on_bot_filter.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            cb.emit((!value.is_empty()).then_some(BotId(value)));
        })
    };
    let filter = (props.bots.len() > 1).then(|| {
        html! {
            <select class="bot-filter" aria-label={t().bot} onchange={on_filter}>
                <option value="" selected={props.bot_filter.is_none()}>{ t().all_bots }</option>
                { for props.bots.iter().map(|b| html! {
                    <option value={b.id.to_string()} selected={props.bot_filter.as_ref() == Some(&b.id)}>
                        { b.name.clone() }
                    </option>
                }) }
            </select>
        }
    });
    let search = (props.view == View::Resolved).then(|| {
        let cb = props.on_search.clone();
        let oninput =
            Callback::from(move |e: InputEvent| cb.emit(e.target_unchecked_into::<HtmlInputElement>().value()));
        html! {
            <input type="search" class="list-search" dir="auto" aria-label={t().search_resolved_label}
                placeholder={t().search_resolved} value={props.resolved_query.clone()} {oninput} />
        }
    });

    let body = if props.loading && props.rows.is_empty() {
        html! { <p class="list-empty">{ t().loading_conversations }</p> }
    } else if props.rows.is_empty() {
        let text = match props.view {
            View::Waiting => t().empty_waiting,
            View::Mine => t().empty_mine,
            View::Open => t().empty_open,
            View::Left => t().empty_left,
            View::Resolved if props.resolved_query.is_empty() => t().empty_resolved,
            View::Resolved => t().empty_search,
        };
        html! { <p class="list-empty">{ text }</p> }
    } else {
        html! {
            <ul class="conversation-list" aria-label={t().conversations}>
                { for props.rows.iter().map(|row| row_view(props, row)) }
            </ul>
        }
    };

    html! {
        <aside class="pane pane-list" aria-label={view_title(props.view)}>
            <div class="list-head">
                <h2 class="list-title">{ view_title(props.view) }</h2>
                { for filter }
            </div>
            { for search }
            { body }
        </aside>
    }
}

fn presence_class(presence: VisitorPresence) -> &'static str {
    match presence {
        VisitorPresence::Online => "presence presence-online",
        VisitorPresence::Reconnecting => "presence presence-reconnecting",
        VisitorPresence::Lost | VisitorPresence::Unknown => "presence presence-lost",
    }
}

fn row_view(props: &ConversationListProps, row: &ConversationSummary) -> Html {
    let selected = props.selected.as_ref() == Some(&row.id);
    let onclick = {
        let (id, on_select) = (row.id.clone(), props.on_select.clone());
        Callback::from(move |_| on_select.emit(id.clone()))
    };
    let pill = badge(ownership(&row.state, props.me.as_ref()));
    let waiting = waiting_since(row);
    let typing = props.typing.contains(&row.id);
    let preview = if typing {
        html! { <span class="row-preview row-typing">{ t().typing_short }</span> }
    } else {
        match &row.last_message {
            // The text as read, without its marks (PROTOCOL.md §11).
            Some(text) => {
                html! { <span class="row-preview" dir="auto">{ baton_protocol::markup::plain_text(text) }</span> }
            }
            None => html! { <span class="row-preview">{ t().no_messages_row }</span> },
        }
    };
    let timer = match (waiting, &row.state) {
        (Some(since), HandoverState::Waiting { deadline }) => {
            let tone = window_tone(props.now, since, *deadline);
            html! {
                <span class={format!("row-wait wait-{tone}")} title={t().time_since_request}>
                    { fill(t().waiting_clock, &[&clock(props.now.0.saturating_sub(since.0))]) }
                </span>
            }
        }
        _ => match row.help_requested_at {
            Some(at) if row.state != HandoverState::Bot => html! {
                <span class="row-handoff" title={t().time_since_handoff}>{ fill(t().handoff_clock, &[&relative_time(props.now, at)]) }</span>
            },
            _ => html! {},
        },
    };
    let flag_view = row.country.as_ref().and_then(|c| {
        let emoji = flag(&c.code)?;
        let title = if c.hint {
            fill(t().from_browser_language, &[&c.code])
        } else {
            c.code.clone()
        };
        Some(html! { <span class="row-flag" role="img" aria-label={title.clone()} {title}>{ emoji }</span> })
    });
    let bot_chip = (props.bots.len() > 1).then(|| {
        let name = props
            .bots
            .iter()
            .find(|b| b.id == row.bot)
            .map_or_else(|| row.bot.to_string(), |b| b.name.clone());
        html! { <span class="row-bot">{ name }</span> }
    });
    let class = match (selected, waiting.is_some()) {
        (true, true) => "conversation-row selected urgent",
        (true, false) => "conversation-row selected",
        (false, true) => "conversation-row urgent",
        (false, false) => "conversation-row",
    };
    html! {
        <li key={row.id.as_str().to_owned()}>
            <button type="button" {onclick} {class} aria-current={selected.then_some("true")}>
                <span class={classes!("row-avatar", avatar_tone(&row.id))} aria-hidden="true">
                    { avatar_text(&row.visitor) }
                    <span class={presence_class(row.presence)}></span>
                </span>
                <span class="row-main">
                    <span class="row-top">
                        <span class="row-visitor" dir="auto">{ row.visitor.clone() }</span>
                        { for flag_view }
                        <span class="sr-only">{ format!(", {}", presence_label(row.presence)) }</span>
                        <span class="row-time" title={super::full_time(row.last_activity)}>
                            { relative_time(props.now, row.last_activity) }
                        </span>
                    </span>
                    <span class="row-middle">
                        { preview }
                        if row.unread > 0 {
                            <span class="row-unread" aria-label={count(&t().unread_count, row.unread as u64)}>{ row.unread }</span>
                        }
                    </span>
                    if let Some(reason) = &row.reason {
                        <span class="row-reason" dir="auto">{ fill(t().reason_row, &[reason]) }</span>
                    }
                    <span class="row-bottom">
                        if let Some((text, class)) = pill {
                            <span class={classes!("badge", class)}>{ text }</span>
                        }
                        { priority_badge(row.priority) }
                        if row.left_message {
                            <span class="badge badge-left">{ t().badge_left }</span>
                        }
                        { timer }
                        { for bot_chip }
                    </span>
                </span>
            </button>
        </li>
    }
}

/// Two characters of the visitor's label, e.g. "3F" for "Visitor 3f9a".
fn avatar_text(visitor: &str) -> String {
    let tag = if visitor.starts_with("Visitor ") {
        visitor.rsplit(' ').next().unwrap_or(visitor)
    } else {
        visitor
    };
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

/// "High priority" or "Urgent" for a bot's request that said so.
pub fn priority_badge(priority: Priority) -> Html {
    let (text, class) = match priority {
        Priority::High => (t().priority_high, "badge badge-high"),
        Priority::Urgent => (t().priority_urgent, "badge badge-urgent"),
        Priority::Normal | Priority::Unknown => return html! {},
    };
    html! { <span {class}>{ text }</span> }
}
