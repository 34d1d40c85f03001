//! The Team page: who is on the team, their role, the bots they serve and
//! whether they are online. Admins add teammates, edit them, reset their
//! password and deactivate or reactivate them; agents see the list only.

use super::forms::{check_email, check_name, check_password};
use super::model::{MemberChange, NewMember, TeamMember};
use super::ui::{
    Bubble, ConfirmDialog, Load, LoadFailed, Loaded, Modal, TextField, form_foot, generate_password, loading, setter,
    use_dialogs, use_load, use_request,
};
use crate::api;
use crate::components::header::dot_class;
use crate::format::status_label;
use crate::i18n::{fill, t};
use baton_protocol::OperatorProfile;
use baton_protocol::operator::Role;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// A bot as the pages name it: id and display name.
type BotName = (String, String);

#[derive(Clone, Debug, PartialEq)]
enum Dialog {
    Add,
    Edit(TeamMember),
    Password(TeamMember),
    Deactivate(TeamMember),
}

#[derive(Properties, PartialEq)]
pub struct TeamProps {
    pub me: OperatorProfile,
    pub is_admin: bool,
    pub on_notify: Callback<String>,
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Admin => t().role_admin,
        Role::Agent => t().role_agent,
        Role::Unknown => t().role_other,
    }
}

fn bot_name<'a>(bots: &'a [BotName], id: &'a str) -> &'a str {
    bots.iter()
        .find(|(b, _)| b == id)
        .map(|(_, name)| name.as_str())
        .unwrap_or(id)
}

#[component]
pub fn Team(props: &TeamProps) -> Html {
    let Loaded { data: members, refresh } = use_load(api::team);
    // Names for the chips and the checkboxes; ids do without.
    let bots = use_load(api::bots);
    let bots: Vec<BotName> = match &*bots.data {
        Load::Ready(answer) => answer.bots.iter().map(|b| (b.id.clone(), b.name.clone())).collect(),
        _ => vec![],
    };
    let dialogs = use_dialogs::<Dialog>(refresh.clone(), props.on_notify.clone());
    let row_error = use_state(|| None::<String>);
    let (close, done) = (dialogs.close.clone(), dialogs.done.clone());
    let open = |d: Dialog| dialogs.opener(d);

    let list = match &*members {
        Load::Loading => loading(),
        Load::Failed(message) => html! { <LoadFailed message={message.clone()} on_retry={refresh.clone()} /> },
        Load::Ready(list) if list.is_empty() => html! { <p class="page-note">{ t().no_teammates }</p> },
        Load::Ready(list) => html! {
            <ul class="team-list">
                { for list.iter().map(|m| {
                    let mine = m.id == props.me.id.as_str();
                    let reactivate = {
                        let (id, refresh, row_error, notify, name) =
                            (m.id.clone(), refresh.clone(), row_error.clone(), props.on_notify.clone(), m.name.clone());
                        Callback::from(move |_: MouseEvent| {
                            let (id, refresh, row_error, notify, name) =
                                (id.clone(), refresh.clone(), row_error.clone(), notify.clone(), name.clone());
                            wasm_bindgen_futures::spawn_local(async move {
                                match api::set_active(&id, true).await {
                                    Ok(()) => {
                                        row_error.set(None);
                                        refresh.emit(());
                                        notify.emit(fill(t().can_sign_in_again, &[&name]));
                                    }
                                    Err(e) => row_error.set(Some(e.message)),
                                }
                            });
                        })
                    };
                    html! {
                        <li key={m.id.clone()} class={classes!("team-row", (!m.active).then_some("inactive"))}>
                            <Bubble name={m.name.clone()} colour={m.colour.clone()} />
                            <div class="team-who">
                                <span class="team-name">
                                    <span dir="auto">{ m.name.clone() }</span>
                                    if mine { <span class="tag">{ t().you }</span> }
                                </span>
                                <span class="team-email">{ m.email.clone() }</span>
                            </div>
                            <span class={classes!("tag", (m.role == Role::Admin).then_some("tag-accent"))}>
                                { role_label(m.role) }
                            </span>
                            <ul class="chips" aria-label={t().bots_served}>
                                if m.bots.is_empty() { <li class="chip chip-empty">{ t().no_bots }</li> }
                                { for m.bots.iter().map(|b| html! { <li class="chip">{ bot_name(&bots, b).to_owned() }</li> }) }
                            </ul>
                            <span class="team-status">
                                if m.active {
                                    <span class={classes!("dot", dot_class(m.status))} aria-hidden="true"></span>
                                    { status_label(m.status) }
                                } else {
                                    <span class="tag tag-muted">{ t().deactivated }</span>
                                }
                            </span>
                            if props.is_admin {
                                <div class="row-actions">
                                    <button type="button" class="btn btn-ghost btn-small" onclick={open(Dialog::Edit(m.clone()))}
                                        aria-label={fill(t().edit_label, &[&m.name])}>{ t().edit }</button>
                                    <button type="button" class="btn btn-ghost btn-small" onclick={open(Dialog::Password(m.clone()))}
                                        aria-label={fill(t().reset_password_of, &[&m.name])}>{ t().reset_password }</button>
                                    if m.active && !mine {
                                        <button type="button" class="btn btn-ghost btn-small btn-danger-text"
                                            onclick={open(Dialog::Deactivate(m.clone()))}
                                            aria-label={fill(t().deactivate_label, &[&m.name])}>{ t().deactivate }</button>
                                    } else if !m.active {
                                        <button type="button" class="btn btn-ghost btn-small" onclick={reactivate}
                                            aria-label={fill(t().reactivate_label, &[&m.name])}>{ t().reactivate }</button>
                                    }
                                </div>
                            }
                        </li>
                    }
                }) }
            </ul>
        },
    };

    let modal = match &*dialogs.open {
        None => html! {},
        Some(Dialog::Add) => {
            html! { <MemberDialog member={None::<TeamMember>} bots={bots.clone()} on_done={done.clone()} on_cancel={close.clone()} /> }
        }
        Some(Dialog::Edit(m)) => {
            html! { <MemberDialog member={Some(m.clone())} bots={bots.clone()} on_done={done.clone()} on_cancel={close.clone()} /> }
        }
        Some(Dialog::Password(m)) => {
            html! { <PasswordDialog member={m.clone()} on_done={done.clone()} on_cancel={close.clone()} /> }
        }
        Some(Dialog::Deactivate(m)) => {
            html! { <DeactivateDialog member={m.clone()} on_done={done.clone()} on_cancel={close.clone()} /> }
        }
    };

    html! {
        <>
            <div class="page-intro">
                <p class="page-lead">
                    if props.is_admin {
                        { t().team_lead_admin }
                    } else {
                        { t().team_lead_agent }
                    }
                </p>
                if props.is_admin {
                    <button type="button" class="btn btn-primary" onclick={open(Dialog::Add)}>{ t().add_teammate }</button>
                }
            </div>
            if let Some(error) = &*row_error {
                <p class="form-error" role="alert">{ error.clone() }</p>
            }
            { list }
            <super::ratings::Ratings bots={bots.clone()} />
            { modal }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct MemberDialogProps {
    /// `None` adds a teammate.
    member: Option<TeamMember>,
    bots: Vec<BotName>,
    on_done: Callback<String>,
    on_cancel: Callback<()>,
}

#[derive(Properties, PartialEq)]
struct PasswordFieldProps {
    id: AttrValue,
    label: AttrValue,
    value: String,
    error: Option<String>,
    /// Whose password: named in the "copy it now" hint.
    whose: String,
    generated: bool,
    on_change: Callback<(String, bool)>,
}

/// A password an admin sets for someone else, with a t().generate button. A
/// generated password is shown (once: it is not kept after the dialog).
#[component]
fn PasswordField(props: &PasswordFieldProps) -> Html {
    let oninput = {
        let cb = props.on_change.clone();
        Callback::from(move |text: String| cb.emit((text, false)))
    };
    let generate = {
        let cb = props.on_change.clone();
        Callback::from(move |_| {
            if let Some(password) = generate_password() {
                cb.emit((password, true));
            }
        })
    };
    let hint = if props.generated {
        fill(t().shown_only_now, &[&props.whose])
    } else {
        t().password_rule.to_owned()
    };
    html! {
        <TextField id={props.id.clone()} label={props.label.clone()} value={props.value.clone()} {oninput}
            kind={if props.generated { "text" } else { "password" }} autocomplete="new-password"
            error={props.error.clone()} hint={AttrValue::from(hint)}
            class={classes!(props.generated.then_some("field-generated"))}>
            <button type="button" class="btn btn-secondary" onclick={generate}>{ t().generate }</button>
        </TextField>
    }
}

#[component]
fn MemberDialog(props: &MemberDialogProps) -> Html {
    let adding = props.member.is_none();
    let start = props.member.clone();
    let email = use_state(|| start.as_ref().map(|m| m.email.clone()).unwrap_or_default());
    let name = use_state(|| start.as_ref().map(|m| m.name.clone()).unwrap_or_default());
    let role = use_state(|| start.as_ref().map(|m| m.role).unwrap_or(Role::Agent));
    let bots = use_state(|| start.as_ref().map(|m| m.bots.clone()).unwrap_or_default());
    let password = use_state(|| (String::new(), false));
    let tried = use_state(|| false);
    let request = use_request();

    let email_error = adding.then(|| check_email(&email)).flatten();
    let name_error = check_name(&name);
    let password_error = adding.then(|| check_password(&password.0)).flatten();
    let valid = email_error.is_none() && name_error.is_none() && password_error.is_none();
    let show = |error: Option<String>| error.filter(|_| *tried);

    let on_role = {
        let role = role.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            role.set(if value == "admin" { Role::Admin } else { Role::Agent });
        })
    };
    let on_password = {
        let password = password.clone();
        Callback::from(move |value: (String, bool)| password.set(value))
    };
    let onsubmit = {
        let (email, name, role, bots, password) = (
            email.clone(),
            name.clone(),
            role.clone(),
            bots.clone(),
            password.clone(),
        );
        let (tried, request, on_done) = (tried.clone(), request.clone(), props.on_done.clone());
        let id = props.member.as_ref().map(|m| m.id.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            tried.set(true);
            if !valid {
                return;
            }
            let name = name.trim().to_owned();
            let (role, bots) = (*role, (*bots).clone());
            let (email, password) = (email.trim().to_owned(), password.0.clone());
            let id = id.clone();
            request.run(
                async move {
                    Ok(match &id {
                        None => {
                            let member = api::add_member(&NewMember {
                                email,
                                name,
                                role,
                                bots,
                                password,
                            })
                            .await?;
                            fill(t().member_added, &[&member.name])
                        }
                        Some(id) => {
                            let member = api::change_member(id, &MemberChange { name, role, bots }).await?;
                            fill(t().member_updated, &[&member.name])
                        }
                    })
                },
                on_done.clone(),
            );
        })
    };
    let title = match &props.member {
        None => t().add_teammate.to_owned(),
        Some(m) => fill(t().edit_label, &[&m.name]),
    };
    // The server's word on the address goes next to the field.
    let taken = request.message_if("email_taken");

    html! {
        <Modal id="member-dialog" title={title} on_close={props.on_cancel.clone()}>
            <form {onsubmit} novalidate=true>
                if adding {
                    <TextField id="member-email" label={t().email} value={(*email).clone()} oninput={setter(&email)}
                        kind="email" autocomplete="off" autofocus=true error={show(email_error).or(taken)} />
                } else {
                    <p class="dialog-text">{ props.member.as_ref().map(|m| m.email.clone()).unwrap_or_default() }</p>
                }
                <TextField id="member-name" label={t().display_name} value={(*name).clone()} oninput={setter(&name)}
                    autofocus={!adding} error={show(name_error)}
                    hint={AttrValue::Static(t().display_name_team_hint)} />
                <div class="field">
                    <label for="member-role">{ t().role }</label>
                    <select id="member-role" onchange={on_role} aria-describedby="member-role-hint">
                        <option value="agent" selected={*role != Role::Admin}>{ t().role_agent }</option>
                        <option value="admin" selected={*role == Role::Admin}>{ t().role_admin }</option>
                    </select>
                    <p class="field-hint" id="member-role-hint">{ t().role_hint }</p>
                </div>
                <fieldset class="field checks">
                    <legend>{ t().bots_they_serve }</legend>
                    if props.bots.is_empty() {
                        <p class="field-hint">{ t().no_bots_to_choose }</p>
                    }
                    { for props.bots.iter().map(|(id, label)| {
                        let checked = bots.contains(id);
                        let onchange = {
                            let (bots, id) = (bots.clone(), id.clone());
                            Callback::from(move |_: Event| {
                                let mut next = (*bots).clone();
                                if let Some(at) = next.iter().position(|b| *b == id) { next.remove(at); } else { next.push(id.clone()); }
                                bots.set(next);
                            })
                        };
                        let input_id = format!("member-bot-{id}");
                        html! {
                            <label class="check" for={input_id.clone()} key={id.clone()}>
                                <input type="checkbox" id={input_id} {checked} {onchange} />
                                { label.clone() }
                            </label>
                        }
                    }) }
                </fieldset>
                if adding {
                    <PasswordField id="member-password" label={t().initial_password} value={password.0.clone()}
                        generated={password.1} whose={if name.trim().is_empty() { "them".to_owned() } else { name.trim().to_owned() }}
                        error={show(password_error)} on_change={on_password} />
                }
                { form_foot(request.message("email_taken"), if adding { t().add_teammate } else { t().save_changes }, *request.busy, &props.on_cancel) }
            </form>
        </Modal>
    }
}

#[derive(Properties, PartialEq)]
struct MemberActionProps {
    member: TeamMember,
    on_done: Callback<String>,
    on_cancel: Callback<()>,
}

#[component]
fn PasswordDialog(props: &MemberActionProps) -> Html {
    let password = use_state(|| (String::new(), false));
    let tried = use_state(|| false);
    let request = use_request();
    let error = check_password(&password.0);
    let on_change = {
        let password = password.clone();
        Callback::from(move |value: (String, bool)| password.set(value))
    };
    let onsubmit = {
        let (password, tried, request) = (password.clone(), tried.clone(), request.clone());
        let (id, name, on_done) = (
            props.member.id.clone(),
            props.member.name.clone(),
            props.on_done.clone(),
        );
        let valid = error.is_none();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            tried.set(true);
            if !valid {
                return;
            }
            let (id, name, chosen) = (id.clone(), name.clone(), password.0.clone());
            request.run(
                async move {
                    api::reset_password(&id, chosen).await?;
                    Ok(fill(t().password_was_reset, &[&name]))
                },
                on_done.clone(),
            );
        })
    };
    html! {
        <Modal id="password-dialog" title={fill(t().reset_password_title, &[&props.member.name])}
            text={AttrValue::from(t().reset_password_text)}
            on_close={props.on_cancel.clone()}>
            <form {onsubmit} novalidate=true>
                <PasswordField id="reset-password" label={t().new_password} value={password.0.clone()} generated={password.1}
                    whose={props.member.name.clone()} error={error.filter(|_| *tried)} {on_change} />
                { form_foot(request.message(""), t().reset_password, *request.busy, &props.on_cancel) }
            </form>
        </Modal>
    }
}

#[component]
fn DeactivateDialog(props: &MemberActionProps) -> Html {
    let request = use_request();
    let m = &props.member;
    let on_confirm = {
        let (request, id, name, on_done) = (request.clone(), m.id.clone(), m.name.clone(), props.on_done.clone());
        Callback::from(move |()| {
            let (id, name) = (id.clone(), name.clone());
            request.run(
                async move {
                    api::set_active(&id, false).await?;
                    Ok(fill(t().member_deactivated, &[&name]))
                },
                on_done.clone(),
            );
        })
    };
    let text = fill(t().deactivate_text, &[&m.name, &m.email]);
    html! {
        <ConfirmDialog id="deactivate-dialog" title={fill(t().deactivate_title, &[&m.name])} text={text}
            confirm={fill(t().deactivate_label, &[&m.name])} busy={*request.busy} error={request.message("")}
            {on_confirm} on_cancel={props.on_cancel.clone()} />
    }
}
