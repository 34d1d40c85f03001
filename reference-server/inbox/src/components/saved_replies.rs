//! The saved-replies panel: the team's and mine, each labelled, to create,
//! edit and delete — mine always, the team's if I am an admin (the server
//! checks the same rule, `baton_protocol::shortcuts::may_change`, on every
//! frame). The server checks the rest (one-word trigger, no duplicate) and
//! its refusal is shown here as it said it.

use crate::compose::{scope_key, scope_label};
use crate::i18n::{fill, t};
use crate::pages::dialog::Modal;
use baton_protocol::operator::{Role, Shortcut, ShortcutDraft, ShortcutId, ShortcutScope};
use baton_protocol::shortcuts::{is_shadowed, may_change};
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SavedRepliesProps {
    pub shortcuts: Vec<Shortcut>,
    /// A save or delete is on its way.
    pub busy: bool,
    /// The server refused the last one.
    pub error: Option<String>,
    pub on_save: Callback<ShortcutDraft>,
    pub on_delete: Callback<ShortcutId>,
    pub on_close: Callback<()>,
    #[prop_or_default]
    pub is_admin: bool,
}

#[component]
pub fn SavedReplies(props: &SavedRepliesProps) -> Html {
    let editing = use_state(|| None::<ShortcutId>);
    // Where a new reply goes (an edit keeps the reply's own scope).
    let scope = use_state(|| ShortcutScope::Mine);
    let role = if props.is_admin { Role::Admin } else { Role::Agent };
    let trigger = use_state(String::new);
    let text = use_state(String::new);
    // Set when a save goes out: once it is done without a refusal, the form
    // clears for the next one.
    let saving = use_mut_ref(|| false);
    {
        let (editing, trigger, text, saving) = (editing.clone(), trigger.clone(), text.clone(), saving.clone());
        let (busy, refused) = (props.busy, props.error.is_some());
        use_effect_with(props.busy, move |_| {
            if !busy && std::mem::take(&mut *saving.borrow_mut()) && !refused {
                editing.set(None);
                trigger.set(String::new());
                text.set(String::new());
            }
        });
    }
    let on_trigger = {
        let trigger = trigger.clone();
        Callback::from(move |e: InputEvent| trigger.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let on_text = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| text.set(e.target_unchecked_into::<HtmlTextAreaElement>().value()))
    };
    let on_scope = {
        let scope = scope.clone();
        Callback::from(move |e: Event| {
            let team = e.target_unchecked_into::<HtmlInputElement>().value() == "team";
            scope.set(if team { ShortcutScope::Team } else { ShortcutScope::Mine });
        })
    };
    let onsubmit = {
        let (editing, trigger, text, saving) = (editing.clone(), trigger.clone(), text.clone(), saving.clone());
        let scope = scope.clone();
        let (on_save, busy) = (props.on_save.clone(), props.busy);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if busy {
                return;
            }
            *saving.borrow_mut() = true;
            on_save.emit(ShortcutDraft {
                id: (*editing).clone(),
                trigger: trigger.trim().trim_start_matches('/').to_owned(),
                text: text.trim().to_owned(),
                scope: *scope,
            });
        })
    };
    let cancel_edit = {
        let (editing, trigger, text) = (editing.clone(), trigger.clone(), text.clone());
        Callback::from(move |_: MouseEvent| {
            editing.set(None);
            trigger.set(String::new());
            text.set(String::new());
        })
    };
    let close = {
        let cb = props.on_close.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };

    let row = |s: &Shortcut| {
        let edit = {
            let (editing, trigger, text, s) = (editing.clone(), trigger.clone(), text.clone(), s.clone());
            Callback::from(move |_: MouseEvent| {
                editing.set(Some(s.id.clone()));
                trigger.set(s.trigger.clone());
                text.set(s.text.clone());
            })
        };
        let delete = {
            let (cb, id) = (props.on_delete.clone(), s.id.clone());
            Callback::from(move |_: MouseEvent| cb.emit(id.clone()))
        };
        let label = format!("/{}", s.trigger);
        let kind = scope_label(s.scope);
        // "Delete /thanks" for mine, "Delete team /hours" for the team's.
        let named = match s.scope {
            ShortcutScope::Team => fill(t().team_reply_named, &[&label]),
            ShortcutScope::Mine => label.clone(),
        };
        let shadowed = is_shadowed(&props.shortcuts, s);
        html! {
            <li class="saved-reply" key={s.id.0.clone()} data-scope={scope_key(s.scope)}>
                <div class="saved-reply-body">
                    <span class="shortcut-trigger" dir="auto">{ label.clone() }</span>
                    <span class={format!("scope-badge scope-{}", scope_key(s.scope))}>{ kind }</span>
                    if shadowed {
                        <span class="saved-reply-shadowed">{ fill(t().shadowed_by_mine, &[&label]) }</span>
                    }
                    <span class="saved-reply-text" dir="auto">{ s.text.clone() }</span>
                </div>
                if may_change(role, s.scope) {
                    <div class="saved-reply-actions">
                        <button type="button" class="btn btn-ghost btn-small" onclick={edit}
                            aria-label={fill(t().edit_label, &[&named])}>{ t().edit }</button>
                        <button type="button" class="btn btn-ghost btn-small saved-reply-delete" onclick={delete}
                            disabled={props.busy} aria-label={fill(t().delete_label, &[&named])}>{ t().delete }</button>
                    </div>
                }
            </li>
        }
    };
    let of = |scope: ShortcutScope| props.shortcuts.iter().filter(move |s| s.scope == scope);
    let team_rows: Vec<Html> = of(ShortcutScope::Team).map(row).collect();
    let my_rows: Vec<Html> = of(ShortcutScope::Mine).map(row).collect();
    let editing_scope = (*editing)
        .as_ref()
        .and_then(|id| props.shortcuts.iter().find(|s| &s.id == id))
        .map(|s| s.scope);
    let heading = if editing.is_some() {
        t().edit_saved_reply
    } else {
        t().new_saved_reply
    };
    html! {
        <Modal id="saved-replies" title={t().saved_replies} on_close={props.on_close.clone()}
            text={t().saved_replies_text}>
            <h3 class="saved-replies-heading">{ t().scope_team }</h3>
            if team_rows.is_empty() {
                <p class="saved-replies-empty">{ t().team_no_saved_replies }</p>
            } else {
                <ul class="saved-replies" aria-label={t().team_saved_replies}>{ for team_rows }</ul>
            }
            <h3 class="saved-replies-heading">{ t().scope_mine }</h3>
            if my_rows.is_empty() {
                <p class="saved-replies-empty">{ t().no_saved_replies }</p>
            } else {
                <ul class="saved-replies" aria-label={t().my_saved_replies}>{ for my_rows }</ul>
            }
            <form class="saved-reply-form" {onsubmit} aria-labelledby="saved-reply-heading">
                <h3 id="saved-reply-heading" class="saved-reply-heading">{ heading }</h3>
                if let Some(kind) = editing_scope {
                    <p class="shortcut-help">{ fill(t().scope_reply, &[scope_label(kind)]) }</p>
                } else if props.is_admin {
                    <fieldset class="scope-choice">
                        <legend>{ t().who_can_use_it }</legend>
                        <label><input type="radio" name="shortcut-scope" value="mine"
                            checked={*scope == ShortcutScope::Mine} onchange={on_scope.clone()} />{ " " }{ t().only_me }</label>
                        <label><input type="radio" name="shortcut-scope" value="team"
                            checked={*scope == ShortcutScope::Team} onchange={on_scope} />{ " " }{ t().for_whole_team }</label>
                    </fieldset>
                }
                <div class="field">
                    <label for="shortcut-trigger">{ t().trigger }</label>
                    <div class="trigger-input">
                        <span aria-hidden="true">{ "/" }</span>
                        <input id="shortcut-trigger" type="text" maxlength="40" autocomplete="off" spellcheck="false"
                            data-autofocus="" value={(*trigger).clone()} oninput={on_trigger}
                            aria-describedby="shortcut-trigger-help" />
                    </div>
                    <span id="shortcut-trigger-help" class="shortcut-help">{ t().trigger_help }</span>
                </div>
                <div class="field">
                    <label for="shortcut-text">{ t().reply_text }</label>
                    <textarea id="shortcut-text" rows="4" dir="auto" value={(*text).clone()} oninput={on_text}
                        aria-describedby="shortcut-text-help" />
                    <span id="shortcut-text-help" class="shortcut-help">
                        { t().placeholders_help }
                    </span>
                </div>
                if let Some(error) = &props.error {
                    <p class="form-error" role="alert">{ error.clone() }</p>
                }
                <div class="dialog-actions">
                    if editing.is_some() {
                        <button type="button" class="btn btn-ghost" onclick={cancel_edit}>{ t().cancel_edit }</button>
                    }
                    <button type="button" class="btn btn-ghost" onclick={close}>{ t().close }</button>
                    <button type="submit" class="btn btn-primary" aria-disabled={props.busy.to_string()}
                        disabled={trigger.trim().is_empty() || text.trim().is_empty()}>
                        { if editing.is_some() { t().save_changes } else { t().save_reply } }
                    </button>
                </div>
            </form>
        </Modal>
    }
}
