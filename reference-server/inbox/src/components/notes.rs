//! Internal notes on the open conversation: what teammates wrote for each
//! other, never shown to the visitor. Styled apart from the log (amber, a
//! lock) so nobody takes a note for a message, or a message for a note.

use super::{clock_time, full_time};
use crate::i18n::{fill, t};
use crate::state::PendingNote;
use baton_protocol::operator::Note;
use baton_protocol::{ClientMsgId, MAX_MESSAGE_CHARS};
use baton_rich_text::rich_text_titled;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NotesPanelProps {
    pub notes: Vec<Note>,
    /// Mine, not stored yet (or refused).
    pub pending: Vec<PendingNote>,
    pub on_add: Callback<String>,
    pub on_discard: Callback<ClientMsgId>,
}

#[component]
pub fn NotesPanel(props: &NotesPanelProps) -> Html {
    // Open beside a desktop log; folded on a phone, where the log needs the
    // room (its count still shows).
    let expanded = use_state(|| {
        web_sys::window()
            .and_then(|w| w.inner_width().ok())
            .and_then(|w| w.as_f64())
            .is_none_or(|w| w > 760.0)
    });
    let draft = use_state(String::new);
    let list = use_node_ref();
    // Keep the newest note in sight as notes arrive.
    {
        let list = list.clone();
        let count = props.notes.len() + props.pending.len();
        use_effect_with((count, *expanded), move |_| {
            if let Some(el) = list.cast::<web_sys::Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }
    let toggle = {
        let expanded = expanded.clone();
        Callback::from(move |_: MouseEvent| expanded.set(!*expanded))
    };
    let add = {
        let (draft, on_add) = (draft.clone(), props.on_add.clone());
        move || {
            let text = draft.trim();
            if !text.is_empty() && text.chars().count() <= MAX_MESSAGE_CHARS {
                on_add.emit(text.to_owned());
                draft.set(String::new());
            }
        }
    };
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| draft.set(e.target_unchecked_into::<HtmlTextAreaElement>().value()))
    };
    let onkeydown = {
        let add = add.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                add();
            }
        })
    };
    let onsubmit = Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        add();
    });

    let stored = props.notes.iter().map(|n| {
        html! {
            <li class="team-note" key={n.id.clone()}>
                <div class="team-note-meta">
                    <span class="team-note-author" dir="auto">{ n.author.name.clone() }</span>
                    <time class="team-note-time" title={full_time(n.at)}>{ clock_time(n.at) }</time>
                </div>
                <div class="team-note-text" dir="auto">{ rich_text_titled(&n.text) }</div>
            </li>
        }
    });
    let pending = props.pending.iter().map(|p| {
        let discard = {
            let (cb, id) = (props.on_discard.clone(), p.client_msg_id.clone());
            Callback::from(move |_: MouseEvent| cb.emit(id.clone()))
        };
        html! {
            <li class={classes!("team-note", if p.failed.is_some() { "is-failed" } else { "is-pending" })}
                key={p.client_msg_id.to_string()}>
                <div class="team-note-meta">
                    <span class="team-note-author">{ t().you }</span>
                    if p.failed.is_none() { <span class="team-note-time">{ t().saving }</span> }
                </div>
                <div class="team-note-text" dir="auto">{ rich_text_titled(&p.text) }</div>
                if let Some(why) = &p.failed {
                    <p class="team-note-error" role="alert">
                        { fill(t().not_saved, &[why]) }
                        <button type="button" class="link-button" onclick={discard}>{ t().dismiss }</button>
                    </p>
                }
            </li>
        }
    });
    let count = props.notes.len();
    let too_long = draft.trim().chars().count() > MAX_MESSAGE_CHARS;
    html! {
        <aside class="notes-panel" aria-labelledby="notes-title">
            <div class="notes-head">
                <button type="button" class="notes-toggle" aria-expanded={expanded.to_string()}
                    aria-controls="notes-body" onclick={toggle}>
                    <span class="notes-lock" aria-hidden="true">{ "🔒" }</span>
                    <span id="notes-title" class="notes-title">{ t().internal_notes }</span>
                    if count > 0 { <span class="notes-count">{ count }</span> }
                </button>
                <span class="notes-hint">{ t().notes_hint }</span>
            </div>
            if *expanded {
                <div id="notes-body" class="notes-body">
                    if count == 0 && props.pending.is_empty() {
                        <p class="notes-empty">{ t().notes_empty }</p>
                    } else {
                        <ol class="notes-list" ref={list} aria-label={t().internal_notes} aria-live="polite">
                            { for stored }
                            { for pending }
                        </ol>
                    }
                    <form class="notes-form" {onsubmit}>
                        <label for="note-text" class="sr-only">{ t().add_note_label }</label>
                        <textarea id="note-text" rows="1" dir="auto" value={(*draft).clone()} {oninput} {onkeydown}
                            placeholder={t().note_placeholder} />
                        <button type="submit" class="btn btn-note" disabled={draft.trim().is_empty() || too_long}>
                            { t().add_note }
                        </button>
                    </form>
                </div>
            }
        </aside>
    }
}
