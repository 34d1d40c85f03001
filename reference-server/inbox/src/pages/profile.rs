//! My profile: the name and avatar colour visitors see, and my password.

use super::forms::{SWATCHES, check_confirmation, check_name, check_optional_colour, check_password, non_empty};
use super::model::ProfileChange;
use super::ui::{Bubble, Swatch, TextField, setter, use_request};
use crate::api;
use crate::i18n::{fill, t};
use baton_protocol::OperatorProfile;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ProfileProps {
    pub me: OperatorProfile,
    pub on_notify: Callback<String>,
    pub on_profile_changed: Callback<OperatorProfile>,
}

#[component]
pub fn Profile(props: &ProfileProps) -> Html {
    html! {
        <>
            <p class="page-lead">{ t().profile_lead }</p>
            <Appearance me={props.me.clone()} on_notify={props.on_notify.clone()}
                on_profile_changed={props.on_profile_changed.clone()} />
            <PasswordChange on_notify={props.on_notify.clone()} />
        </>
    }
}

#[component]
fn Appearance(props: &ProfileProps) -> Html {
    // What the server has; the form compares against it for "unsaved".
    let saved = use_state(|| props.me.clone());
    let name = use_state(|| props.me.name.clone());
    let colour = use_state(|| props.me.colour.clone().unwrap_or_default());
    let request = use_request();

    let name_error = check_name(&name);
    let colour_error = check_optional_colour(&colour);
    let dirty = name.trim() != saved.name || non_empty(&colour) != saved.colour;
    let valid = name_error.is_none() && colour_error.is_none();
    let preview_colour = non_empty(&colour);

    let on_colour = {
        let colour = colour.clone();
        Callback::from(move |text: String| colour.set(text.trim().to_owned()))
    };
    let on_picker = {
        let colour = colour.clone();
        Callback::from(move |e: InputEvent| colour.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let on_default = {
        let colour = colour.clone();
        Callback::from(move |_| colour.set(String::new()))
    };
    let onsubmit = {
        let (saved, name, colour, request) = (saved.clone(), name.clone(), colour.clone(), request.clone());
        let (on_notify, on_changed) = (props.on_notify.clone(), props.on_profile_changed.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if !valid {
                return;
            }
            let change = ProfileChange {
                name: name.trim().to_owned(),
                colour: non_empty(&colour),
            };
            let (saved, on_changed) = (saved.clone(), on_changed.clone());
            request.run(
                async move {
                    let profile = api::update_profile(&change).await?;
                    saved.set(profile.clone());
                    on_changed.emit(profile);
                    Ok(t().profile_saved.into())
                },
                on_notify.clone(),
            );
        })
    };
    let reset = {
        let (saved, name, colour) = (saved.clone(), name.clone(), colour.clone());
        Callback::from(move |_| {
            name.set(saved.name.clone());
            colour.set(saved.colour.clone().unwrap_or_default());
        })
    };
    let shown_name = non_empty(&name).unwrap_or_else(|| "?".into());

    html! {
        <form class="card" onsubmit={onsubmit} novalidate=true aria-labelledby="appearance-title">
            <h2 id="appearance-title" class="card-title">{ t().how_visitors_see_you }</h2>
            <div class="profile-grid">
                <div>
                    <TextField id="profile-name" label={t().display_name} value={(*name).clone()} oninput={setter(&name)}
                        error={name_error} hint={AttrValue::Static(t().display_name_hint)} />
                    <fieldset class="field">
                        <legend>{ t().avatar_colour }</legend>
                        <div class="swatches">
                            <button type="button" class="swatch swatch-default" aria-pressed={colour.is_empty().to_string()}
                                aria-label={t().default_colour} title={t().default} onclick={on_default}></button>
                            { for SWATCHES.iter().map(|s| html! {
                                <Swatch key={*s} colour={*s} selected={colour.eq_ignore_ascii_case(s)} disabled=false
                                    onclick={on_colour.clone()} />
                            }) }
                        </div>
                    </fieldset>
                    <TextField id="profile-colour" label={t().custom_colour} value={(*colour).clone()} oninput={on_colour.clone()}
                        error={colour_error.clone()} hint={AttrValue::Static(t().custom_colour_hint)}>
                        <input type="color" class="colour-picker" aria-label={t().pick_colour}
                            value={preview_colour.clone().filter(|_| colour_error.is_none()).unwrap_or_else(|| "#4f46e5".into())}
                            oninput={on_picker} />
                    </TextField>
                </div>
                <div class="preview" aria-label={t().preview}>
                    <span class="preview-label">{ t().preview }</span>
                    <div class="preview-row">
                        <Bubble name={shown_name.clone()} colour={preview_colour.filter(|_| colour_error.is_none())} large=true />
                        <div>
                            <div class="preview-name" dir="auto">{ shown_name.clone() }</div>
                            <div class="preview-text">{ fill(t().ev_joined, &[&shown_name]) }</div>
                        </div>
                    </div>
                </div>
            </div>
            if let Some(error) = request.message("") {
                <p class="form-error" role="alert">{ error }</p>
            }
            <div class="card-actions">
                if dirty { <span class="dirty-note">{ t().unsaved_changes }</span> }
                <button type="button" class="btn btn-ghost" disabled={!dirty || *request.busy} onclick={reset}>{ t().discard }</button>
                <button type="submit" class="btn btn-primary" disabled={!dirty || !valid || *request.busy}>{ t().save_profile }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct PasswordChangeProps {
    on_notify: Callback<String>,
}

#[component]
fn PasswordChange(props: &PasswordChangeProps) -> Html {
    let current = use_state(String::new);
    let new = use_state(String::new);
    let confirm = use_state(String::new);
    let tried = use_state(|| false);
    let request = use_request();
    let done = use_state(|| false);

    let current_error = current.is_empty().then(|| t().enter_current_password.to_owned());
    let new_error = check_password(&new);
    let confirm_error = check_confirmation(&new, &confirm);
    let valid = current_error.is_none() && new_error.is_none() && confirm_error.is_none();
    let show = |error: Option<String>| error.filter(|_| *tried);
    let wrong = request.message_if("wrong_password");
    let other = request.message("wrong_password");

    let onsubmit = {
        let (current, new, confirm) = (current.clone(), new.clone(), confirm.clone());
        let (tried, request, done, notify) = (tried.clone(), request.clone(), done.clone(), props.on_notify.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            tried.set(true);
            done.set(false);
            if !valid {
                return;
            }
            let (current, new, confirm) = (current.clone(), new.clone(), confirm.clone());
            let (tried, done) = (tried.clone(), done.clone());
            request.run(
                async move {
                    api::change_password((*current).clone(), (*new).clone()).await?;
                    for field in [&current, &new, &confirm] {
                        field.set(String::new());
                    }
                    tried.set(false);
                    done.set(true);
                    Ok(t().password_changed.into())
                },
                notify.clone(),
            );
        })
    };

    html! {
        <form class="card" {onsubmit} novalidate=true aria-labelledby="password-title">
            <h2 id="password-title" class="card-title">{ t().change_password }</h2>
            <div class="form-narrow">
                <TextField id="password-current" label={t().current_password} kind="password" autocomplete="current-password"
                    value={(*current).clone()} oninput={setter(&current)} error={show(current_error).or(wrong)} />
                <TextField id="password-new" label={t().new_password} kind="password" autocomplete="new-password"
                    value={(*new).clone()} oninput={setter(&new)} error={show(new_error)}
                    hint={AttrValue::Static(t().password_rule)} />
                <TextField id="password-confirm" label={t().confirm_password} kind="password" autocomplete="new-password"
                    value={(*confirm).clone()} oninput={setter(&confirm)} error={show(confirm_error)} />
            </div>
            if let Some(error) = other {
                <p class="form-error" role="alert">{ error }</p>
            }
            <div class="card-actions">
                if *done { <span class="saved-note" role="status">{ t().password_changed }</span> }
                <button type="submit" class="btn btn-primary" disabled={*request.busy}>{ t().change_password }</button>
            </div>
        </form>
    }
}
