//! The reply box: Enter sends, Shift+Enter starts a new line. Typing `/` at
//! the start of a word opens my saved replies filtered by what follows;
//! arrows move, Enter or Tab inserts (placeholders filled, nothing sent),
//! Escape closes. The text work is `crate::shortcuts`.
//!
//! The draft is kept per conversation (in localStorage, `crate::compose`),
//! so switching chats or reloading keeps it; sending clears it. Suggest
//! drafts a reply from the bot's knowledge base into the box — straight in
//! when it is empty, else offered (Replace / Insert); it never sends.
//! Translate shows the reply in the visitor's language next to mine; Send
//! translation sends that, with mine as the operators-only `original`.

use super::format_bar::FormatBar;
use super::reply_tools;
use crate::compose::{Suggestion, insert_suggestion, place_suggestion, scope_key, scope_label, stored_draft};
use crate::i18n::{self, t};
use crate::shortcuts::{byte_offset, fill, matching, replace_word, slash_word, utf16_offset};
use crate::{api, browser};
use baton_protocol::operator::Shortcut;
use baton_protocol::{ConversationId, MAX_MESSAGE_CHARS};
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

/// A reply to send: the text the visitor gets, and what I wrote when that
/// is a translation.
pub type Outgoing = (String, Option<String>);

/// My draft translated: valid while the draft is still `source`.
#[derive(Clone, PartialEq)]
struct Translated {
    source: String,
    text: String,
}

#[derive(Properties, PartialEq)]
pub struct ComposerProps {
    pub on_send: Callback<Outgoing>,
    pub conversation: ConversationId,
    /// Where this conversation's unsent draft is kept.
    pub draft_key: AttrValue,
    /// The visitor's language, when a reply can be translated into it.
    #[prop_or_default]
    pub translate_to: Option<AttrValue>,
    /// My language (what I write in).
    #[prop_or(AttrValue::Static("en"))]
    pub my_language: AttrValue,
    /// Typing started (`true`, repeated at most every third of the TTL) or
    /// stopped (`false`: sent, cleared, or left the box).
    pub on_typing: Callback<bool>,
    pub online: bool,
    /// My saved replies, offered after `/`.
    #[prop_or_default]
    pub shortcuts: Vec<Shortcut>,
    /// Fills `{visitor_name}` and `{operator_name}` on insert.
    #[prop_or_default]
    pub visitor_name: AttrValue,
    #[prop_or_default]
    pub operator_name: AttrValue,
    /// Open the saved-replies panel.
    #[prop_or_default]
    pub on_manage: Callback<()>,
}

/// The `/word` being completed: its byte range in the draft and what
/// follows the slash.
#[derive(Clone, PartialEq)]
struct Slash {
    start: usize,
    caret: usize,
    query: String,
}

/// What the key handlers read. A handler is the closure of the last
/// render, and a fast typist (or a test) can press Enter before the render
/// that followed their last keystroke: the picker's state and my saved
/// replies are therefore kept here as they are set, not as a render saw
/// them, so Enter on an open picker always inserts and never sends.
#[derive(Default)]
struct Live {
    shortcuts: Vec<Shortcut>,
    slash: Option<Slash>,
    active: usize,
}

impl Live {
    /// The saved replies the open picker offers (none when it is closed).
    fn offered(&self) -> Vec<Shortcut> {
        match &self.slash {
            Some(s) => matching(&self.shortcuts, &s.query).into_iter().cloned().collect(),
            None => Vec::new(),
        }
    }
}

/// The slash word at the textarea's caret, if any.
fn slash_at(el: &HtmlTextAreaElement) -> Option<Slash> {
    let value = el.value();
    let caret = byte_offset(&value, el.selection_start().ok().flatten()? as usize);
    let word = slash_word(&value, caret)?;
    Some(Slash {
        start: word.start,
        caret,
        query: word.query.to_owned(),
    })
}

#[component]
pub fn Composer(props: &ComposerProps) -> Html {
    let draft = {
        let key = props.draft_key.clone();
        use_state(move || browser::remembered(&key).unwrap_or_default())
    };
    // A Suggest draft offered over my text, my reply translated, a notice.
    let offer = use_state(|| None::<String>);
    let translated = use_state(|| None::<Translated>);
    let notice = use_state(|| None::<String>);
    let busy = use_state(|| false);
    // Phones fold the format bar and the reply tools behind one toggle
    // (polish.css), so the log keeps most of the screen.
    let more = use_state(|| false);
    // Every change of the draft is kept for this conversation.
    {
        let key = props.draft_key.clone();
        use_effect_with((*draft).clone(), move |draft| match stored_draft(draft) {
            Some(text) => browser::remember(&key, text),
            None => browser::forget(&key),
        });
    }
    // An edit after translating makes the translation stale.
    let translation = (*translated).clone().filter(|t| t.source == *draft);
    let slash = use_state(|| None::<Slash>);
    let active = use_state(|| 0usize);
    let live = use_mut_ref(Live::default);
    live.borrow_mut().shortcuts = props.shortcuts.clone();
    // Opens, narrows or closes the picker: in the next render and at once
    // for the key handlers.
    let set_slash = {
        let (slash, active, live) = (slash.clone(), active.clone(), live.clone());
        move |next: Option<Slash>| {
            let mut l = live.borrow_mut();
            if next.as_ref().map(|s| &s.query) != l.slash.as_ref().map(|s| &s.query) {
                l.active = 0;
                active.set(0);
            }
            l.slash = next.clone();
            slash.set(next);
        }
    };
    let textarea = use_node_ref();
    {
        let textarea = textarea.clone();
        use_effect_with((), move |_| {
            if let Some(el) = textarea.cast::<HtmlTextAreaElement>() {
                let _ = el.focus();
            }
        });
    }
    let offered: Vec<Shortcut> = match &*slash {
        Some(s) => matching(&props.shortcuts, &s.query).into_iter().cloned().collect(),
        None => Vec::new(),
    };

    // When `typing: true` was last sent, so it is renewed, not repeated.
    let typing_sent = use_mut_ref(|| None::<f64>);
    let stop_typing = {
        let (typing_sent, on_typing) = (typing_sent.clone(), props.on_typing.clone());
        move || {
            if typing_sent.borrow_mut().take().is_some() {
                on_typing.emit(false);
            }
        }
    };
    // Sends the draft — or, when it is translated, the translation with
    // the draft as its original.
    let submit = {
        let (draft, on_send, stop_typing) = (draft.clone(), props.on_send.clone(), stop_typing.clone());
        let (translated, offer, textarea) = (translated.clone(), offer.clone(), textarea.clone());
        let set_slash = set_slash.clone();
        move || {
            // What the box holds now, which a render may not have seen yet.
            let now = match textarea.cast::<HtmlTextAreaElement>() {
                Some(el) => el.value(),
                None => (*draft).clone(),
            };
            let text = now.trim();
            if !text.is_empty() && text.chars().count() <= MAX_MESSAGE_CHARS {
                let translation = (*translated).clone().filter(|t| t.source == now);
                let outgoing = match &translation {
                    Some(t) => (t.text.clone(), Some(text.to_owned())),
                    None => (text.to_owned(), None),
                };
                on_send.emit(outgoing);
                draft.set(String::new());
                translated.set(None);
                offer.set(None);
                set_slash(None);
                stop_typing();
            }
        }
    };
    let suggest = {
        let (draft, offer, notice, busy) = (draft.clone(), offer.clone(), notice.clone(), busy.clone());
        let conversation = props.conversation.clone();
        let more = more.clone();
        Callback::from(move |_: MouseEvent| {
            // Its answer shows above the box: fold the tools (phones) for room.
            more.set(false);
            let (draft, offer, notice, busy, conversation) = (
                draft.clone(),
                offer.clone(),
                notice.clone(),
                busy.clone(),
                conversation.clone(),
            );
            busy.set(true);
            notice.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                match api::suggest(&conversation).await {
                    Ok(Some(text)) => match place_suggestion(&draft, &text) {
                        Suggestion::Fill(text) => draft.set(text),
                        Suggestion::Offer(text) => offer.set(Some(text)),
                    },
                    Ok(None) => notice.set(Some(t().no_good_answer.into())),
                    Err(message) => notice.set(Some(message)),
                }
                busy.set(false);
            });
        })
    };
    let translate = {
        let (draft, translated, notice, busy) = (draft.clone(), translated.clone(), notice.clone(), busy.clone());
        let (target, mine) = (props.translate_to.clone(), props.my_language.clone());
        let more = more.clone();
        Callback::from(move |_: MouseEvent| {
            more.set(false);
            let Some(target) = target.clone() else { return };
            let source = draft.trim().to_owned();
            if source.is_empty() {
                notice.set(Some(t().write_first.into()));
                return;
            }
            let (draft, translated, notice, busy, mine) = (
                draft.clone(),
                translated.clone(),
                notice.clone(),
                busy.clone(),
                mine.clone(),
            );
            busy.set(true);
            notice.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                match api::translate(&source, Some(&mine), &target).await {
                    Ok(text) => translated.set(Some(Translated {
                        source: (*draft).clone(),
                        text,
                    })),
                    Err(api::TranslateFailure::NotSetUp) => notice.set(Some(t().translation_not_set_up.into())),
                    Err(api::TranslateFailure::Failed(why)) => notice.set(Some(why)),
                }
                busy.set(false);
            });
        })
    };
    // Puts a shortcut's filled-in text where the `/word` was, caret after it.
    let insert = {
        let (draft, live, textarea) = (draft.clone(), live.clone(), textarea.clone());
        let set_slash = set_slash.clone();
        let (visitor, operator) = (props.visitor_name.clone(), props.operator_name.clone());
        Callback::from(move |shortcut: Shortcut| {
            let at = live.borrow().slash.clone();
            let (Some(at), Some(el)) = (at, textarea.cast::<HtmlTextAreaElement>()) else {
                return;
            };
            let text = fill(&shortcut.text, &visitor, &operator);
            let (next, caret) = replace_word(&el.value(), at.start, at.caret, &text);
            el.set_value(&next);
            let caret = utf16_offset(&next, caret) as u32;
            let _ = el.set_selection_range(caret, caret);
            let _ = el.focus();
            draft.set(next);
            set_slash(None);
        })
    };
    // The caret moved (typed, clicked, arrowed): open, narrow or close the list.
    let follow_caret = {
        let set_slash = set_slash.clone();
        move |el: &HtmlTextAreaElement| set_slash(slash_at(el))
    };
    let oninput = {
        let (draft, typing_sent, on_typing, stop_typing) = (
            draft.clone(),
            typing_sent.clone(),
            props.on_typing.clone(),
            stop_typing.clone(),
        );
        let follow_caret = follow_caret.clone();
        Callback::from(move |e: InputEvent| {
            let el = e.target_unchecked_into::<HtmlTextAreaElement>();
            let value = el.value();
            if value.trim().is_empty() {
                stop_typing();
            } else {
                let now = js_sys::Date::now();
                let renew = (baton_protocol::TYPING_TTL.0 / 3) as f64;
                let due = typing_sent.borrow().is_none_or(|at| now - at >= renew);
                if due {
                    *typing_sent.borrow_mut() = Some(now);
                    on_typing.emit(true);
                }
            }
            follow_caret(&el);
            draft.set(value);
        })
    };
    let onclick = {
        let follow_caret = follow_caret.clone();
        Callback::from(move |e: MouseEvent| follow_caret(&e.target_unchecked_into::<HtmlTextAreaElement>()))
    };
    let onblur = {
        let set_slash = set_slash.clone();
        Callback::from(move |_: FocusEvent| {
            set_slash(None);
            stop_typing();
        })
    };
    let onkeydown = {
        let (submit, active, insert, live) = (submit.clone(), active.clone(), insert.clone(), live.clone());
        let set_slash = set_slash.clone();
        Callback::from(move |e: KeyboardEvent| {
            let key = e.key();
            let offered = live.borrow().offered();
            if !offered.is_empty() && !e.is_composing() {
                let last = offered.len() - 1;
                let at = live.borrow().active.min(last);
                let move_to = |i: usize| {
                    live.borrow_mut().active = i;
                    active.set(i);
                };
                let handled = match key.as_str() {
                    "ArrowDown" => {
                        move_to(if at >= last { 0 } else { at + 1 });
                        true
                    }
                    "ArrowUp" => {
                        move_to(if at == 0 { last } else { at - 1 });
                        true
                    }
                    "Enter" | "Tab" if !e.shift_key() => {
                        insert.emit(offered[at].clone());
                        true
                    }
                    "Escape" => {
                        set_slash(None);
                        true
                    }
                    _ => false,
                };
                if handled {
                    e.prevent_default();
                    e.stop_propagation();
                    return;
                }
            }
            if key == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                submit();
            }
        })
    };
    // Arrow keys left and right (and Home, End) move the caret without input.
    let onkeyup = {
        let follow_caret = follow_caret.clone();
        Callback::from(move |e: KeyboardEvent| {
            if matches!(e.key().as_str(), "ArrowLeft" | "ArrowRight" | "Home" | "End") {
                follow_caret(&e.target_unchecked_into::<HtmlTextAreaElement>());
            }
        })
    };
    let onsubmit = {
        let submit = submit.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            submit();
        })
    };
    // The format bar marked the selection: its text is the draft.
    let on_format = {
        let draft = draft.clone();
        Callback::from(move |text: String| draft.set(text))
    };
    let manage = {
        let cb = props.on_manage.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let tools = {
        let clear = |state: &UseStateHandle<Option<String>>| {
            let state = state.clone();
            Callback::from(move |_: MouseEvent| state.set(None))
        };
        let mut tools = Vec::new();
        if let Some(text) = &*offer {
            let replace = {
                let (draft, offer, text) = (draft.clone(), offer.clone(), text.clone());
                Callback::from(move |_: MouseEvent| {
                    draft.set(text.clone());
                    offer.set(None);
                })
            };
            let insert = {
                let (draft, offer, text) = (draft.clone(), offer.clone(), text.clone());
                Callback::from(move |_: MouseEvent| {
                    draft.set(insert_suggestion(&draft, &text));
                    offer.set(None);
                })
            };
            tools.push(reply_tools::suggestion_offer(text, replace, insert, clear(&offer)));
        }
        if let (Some(t), Some(language)) = (&translation, &props.translate_to) {
            let send = {
                let submit = submit.clone();
                Callback::from(move |_: MouseEvent| submit())
            };
            let cancel = {
                let translated = translated.clone();
                Callback::from(move |_: MouseEvent| translated.set(None))
            };
            tools.push(reply_tools::translation_preview(
                &browser::language_name(language, &props.my_language),
                draft.trim(),
                &t.text,
                send,
                cancel,
            ));
        }
        if let Some(text) = &*notice {
            tools.push(reply_tools::notice(text, clear(&notice)));
        }
        tools
    };

    let toggle_more = {
        let more = more.clone();
        Callback::from(move |_: MouseEvent| more.set(!*more))
    };
    let length = draft.trim().chars().count();
    let too_long = length > MAX_MESSAGE_CHARS;
    let open = !offered.is_empty();
    let current = (*active).min(offered.len().saturating_sub(1));
    let option_id = |i: usize| format!("shortcut-option-{i}");
    let options = offered.iter().enumerate().map(|(i, s)| {
        let chosen = i == current;
        let onmousedown = {
            let (insert, s) = (insert.clone(), s.clone());
            // Keep the focus in the textarea, then insert.
            Callback::from(move |e: MouseEvent| {
                e.prevent_default();
                insert.emit(s.clone());
            })
        };
        html! {
            <li id={option_id(i)} role="option" aria-selected={chosen.to_string()}
                class={classes!("shortcut-option", chosen.then_some("is-active"))} {onmousedown}>
                <span class="shortcut-trigger" dir="auto">{ format!("/{}", s.trigger) }</span>
                <span class={format!("scope-badge scope-{}", scope_key(s.scope))}>{ scope_label(s.scope) }</span>
                <span class="shortcut-preview" dir="auto">{ s.text.clone() }</span>
            </li>
        }
    });
    html! {
        <form class={classes!("composer", more.then_some("tools-open"))} {onsubmit}>
            <FormatBar textarea={textarea.clone()} on_edit={on_format} />
            { for tools }
            if open {
                <ul id="shortcut-list" class="shortcut-list" role="listbox" aria-label={t().saved_replies}>
                    { for options }
                </ul>
            }
            <label for="reply" class="sr-only">{ t().reply }</label>
            <textarea id="reply" ref={textarea} rows="2" value={(*draft).clone()} {oninput} {onkeydown} {onkeyup}
                {onclick} {onblur} dir="auto" aria-autocomplete="list"
                aria-controls={open.then_some("shortcut-list")}
                aria-activedescendant={open.then(|| option_id(current))}
                aria-describedby="reply-help"
                placeholder={t().reply_placeholder} />
            <span id="reply-help" class="sr-only">{ t().reply_help }</span>
            <div class="composer-side">
                if !props.online {
                    <span class="composer-limit">{ t().offline_outbox }</span>
                }
                if too_long {
                    <span class="composer-limit">{ format!("{length}/{MAX_MESSAGE_CHARS}") }</span>
                }
                <button type="button" class="btn btn-ghost composer-more" aria-expanded={more.to_string()}
                    title={t().more_tools_title} onclick={toggle_more}>
                    <span class="composer-more-glyph" aria-hidden="true">{ "Aa" }</span>{ t().more_tools }
                </button>
                <button type="button" class="btn btn-ghost composer-manage" onclick={manage}
                    title={t().saved_replies}>{ t().saved_replies }</button>
                <button type="button" class="btn btn-ghost composer-suggest" onclick={suggest} disabled={*busy}
                    title={t().suggest_title}>{ t().suggest }</button>
                if let Some(language) = props.translate_to.as_deref().map(|c| browser::language_name(c, &props.my_language)) {
                    <button type="button" class="btn btn-ghost composer-translate" onclick={translate}
                        disabled={*busy || length == 0}
                        title={i18n::fill(t().translate_title, &[&language])}>
                        { i18n::fill(t().translate_to, &[&language]) }
                    </button>
                }
                <button type="submit" class="btn btn-primary" disabled={length == 0 || too_long}>
                    { if translation.is_some() { t().send_translation } else { t().send } }
                </button>
            </div>
        </form>
    }
}
