//! The notification center (admins): where the team's alerts go outside
//! the inbox — webhooks, Slack, Teams, Telegram, email — and which events
//! each channel carries.

use super::forms::ChannelForm;
use super::model::{CHANNEL_EVENTS, CHANNEL_KINDS, Channel, ChannelRequest, event_label, kind_has_url, kind_label};
use super::ui::{
    ConfirmDialog, Load, LoadFailed, Loaded, Modal, Switch, TextField, form_foot, loading, use_dialogs, use_load,
    use_request,
};
use crate::api;
use crate::i18n::{count, fill, t};
use std::collections::HashMap;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Clone, Debug, PartialEq)]
enum Dialog {
    /// Adding, or editing the channel with this id.
    Edit(Option<String>, ChannelForm),
    Delete(Channel),
}

/// A t().send_test in flight or its result.
#[derive(Clone, Debug, PartialEq)]
enum Test {
    Sending,
    Sent,
    Failed(String),
}

#[derive(Properties, PartialEq)]
pub struct NotificationCenterProps {
    pub on_notify: Callback<String>,
}

#[component]
pub fn NotificationCenter(props: &NotificationCenterProps) -> Html {
    let Loaded {
        data: channels,
        refresh,
    } = use_load(api::channels);
    let dialogs = use_dialogs::<Dialog>(refresh.clone(), props.on_notify.clone());
    let tests = use_state(HashMap::<String, Test>::new);
    let row_error = use_state(|| None::<String>);
    let (close, done) = (dialogs.close.clone(), dialogs.done.clone());
    let open = |d: Dialog| dialogs.opener(d);

    let list = match &*channels {
        Load::Loading => loading(),
        Load::Failed(message) => html! { <LoadFailed message={message.clone()} on_retry={refresh.clone()} /> },
        Load::Ready(list) if list.is_empty() => html! {
            <div class="page-state">
                <p class="page-state-title">{ t().no_channels }</p>
                <p class="page-state-text">{ t().no_channels_text }</p>
            </div>
        },
        Load::Ready(list) => html! {
            <ul class="channel-list">
                { for list.iter().map(|c| {
                    let (label, icon) = kind_label(&c.kind);
                    let toggle = {
                        let (channel, row_error, refresh) = (c.clone(), row_error.clone(), refresh.clone());
                        Callback::from(move |on: bool| {
                            let (channel, row_error, refresh) = (channel.clone(), row_error.clone(), refresh.clone());
                            wasm_bindgen_futures::spawn_local(async move {
                                let request = ChannelRequest::toggled(&channel, on);
                                match api::save_channel(Some(&channel.id), &request).await {
                                    Ok(_) => row_error.set(None),
                                    Err(e) => row_error.set(Some(format!("{}: {}", channel.name, e.message))),
                                }
                                refresh.emit(());
                            });
                        })
                    };
                    let send_test = {
                        let (id, tests) = (c.id.clone(), tests.clone());
                        Callback::from(move |_: MouseEvent| {
                            let (id, tests) = (id.clone(), tests.clone());
                            let mut next = (*tests).clone();
                            next.insert(id.clone(), Test::Sending);
                            tests.set(next.clone());
                            wasm_bindgen_futures::spawn_local(async move {
                                let result = match api::test_channel(&id).await {
                                    Ok(()) => Test::Sent,
                                    Err(e) => Test::Failed(e.message),
                                };
                                next.insert(id, result);
                                tests.set(next);
                            });
                        })
                    };
                    let test = tests.get(&c.id).cloned();
                    let result_id = format!("channel-test-{}", c.id);
                    html! {
                        <li key={c.id.clone()} class={classes!("channel-row", (!c.enabled).then_some("inactive"))}>
                            <span class="channel-icon" aria-hidden="true">{ icon }</span>
                            <div class="channel-main">
                                <span class="channel-name" dir="auto">{ c.name.clone() }</span>
                                <span class="channel-kind">{ label.to_owned() }{ target_summary(c) }</span>
                                <ul class="chips" aria-label={t().events}>
                                    if c.events.is_empty() { <li class="chip chip-empty">{ t().no_events }</li> }
                                    { for c.events.iter().map(|e| html! { <li class="chip">{ event_label(e).to_owned() }</li> }) }
                                </ul>
                                if let Some(test) = &test {
                                    <p id={result_id.clone()} role="status" class={classes!("test-result", match test {
                                        Test::Sending => None, Test::Sent => Some("test-ok"), Test::Failed(_) => Some("test-failed"),
                                    })}>
                                        { match test {
                                            Test::Sending => t().test_sending.to_owned(),
                                            Test::Sent => t().test_sent.to_owned(),
                                            Test::Failed(message) => fill(t().test_failed, &[message]),
                                        } }
                                    </p>
                                }
                            </div>
                            <Switch id={format!("channel-enabled-{}", c.id)} label={t().enabled} checked={c.enabled} onchange={toggle} />
                            <div class="row-actions">
                                <button type="button" class="btn btn-ghost btn-small" onclick={send_test}
                                    disabled={test == Some(Test::Sending)} aria-label={fill(t().send_test_to, &[&c.name])}
                                    aria-describedby={test.as_ref().map(|_| result_id.clone())}>{ t().send_test }</button>
                                <button type="button" class="btn btn-ghost btn-small"
                                    onclick={open(Dialog::Edit(Some(c.id.clone()), ChannelForm::from_channel(c)))}
                                    aria-label={fill(t().edit_label, &[&c.name])}>{ t().edit }</button>
                                <button type="button" class="btn btn-ghost btn-small btn-danger-text"
                                    onclick={open(Dialog::Delete(c.clone()))} aria-label={fill(t().delete_label, &[&c.name])}>{ t().delete }</button>
                            </div>
                        </li>
                    }
                }) }
            </ul>
        },
    };

    let modal = match &*dialogs.open {
        None => html! {},
        Some(Dialog::Edit(id, form)) => html! {
            <ChannelDialog id={id.clone()} form={form.clone()} on_done={done.clone()} on_cancel={close.clone()} />
        },
        Some(Dialog::Delete(c)) => {
            html! { <DeleteDialog channel={c.clone()} on_done={done.clone()} on_cancel={close.clone()} /> }
        }
    };

    html! {
        <>
            <div class="page-intro">
                <p class="page-lead">{ t().channels_lead }</p>
                <button type="button" class="btn btn-primary" onclick={open(Dialog::Edit(None, ChannelForm::new("slack")))}>
                    { t().add_channel }
                </button>
            </div>
            if let Some(error) = &*row_error {
                <p class="form-error" role="alert">{ error.clone() }</p>
            }
            { list }
            { modal }
        </>
    }
}

/// Where a channel delivers, after its kind: " · hooks.slack.com", " · 2 recipients".
fn target_summary(c: &Channel) -> String {
    let target = match c.kind.as_str() {
        kind if kind_has_url(kind) => c.url.as_deref().map(|u| {
            u.split("://")
                .nth(1)
                .unwrap_or(u)
                .split('/')
                .next()
                .unwrap_or(u)
                .to_owned()
        }),
        "telegram" => c.chat_id.as_ref().map(|id| fill(t().chat_summary, &[id])),
        "email" => Some(match c.recipients.len() {
            1 => c.recipients[0].clone(),
            n => count(&t().recipients_count, n as u64),
        }),
        _ => None,
    };
    target.map(|t| format!(" · {t}")).unwrap_or_default()
}

#[derive(Properties, PartialEq)]
struct ChannelDialogProps {
    /// `None` adds a channel.
    id: Option<String>,
    form: ChannelForm,
    on_done: Callback<String>,
    on_cancel: Callback<()>,
}

#[component]
fn ChannelDialog(props: &ChannelDialogProps) -> Html {
    let form = use_state(|| props.form.clone());
    let tried = use_state(|| false);
    let request = use_request();
    let adding = props.id.is_none();
    let errors = form.errors();
    let show = |error: &Option<String>| error.clone().filter(|_| *tried);

    let edit = |apply: fn(&mut ChannelForm, String)| {
        let form = form.clone();
        Callback::from(move |value: String| {
            let mut next = (*form).clone();
            apply(&mut next, value);
            form.set(next);
        })
    };
    let on_kind = {
        let form = form.clone();
        Callback::from(move |e: Event| {
            let kind = e.target_unchecked_into::<HtmlSelectElement>().value();
            form.set(ChannelForm {
                kind,
                ..(*form).clone()
            });
        })
    };
    let replace_token = {
        let form = form.clone();
        Callback::from(move |_| {
            form.set(ChannelForm {
                token: Some(String::new()),
                ..(*form).clone()
            })
        })
    };
    let onsubmit = {
        let (form, tried, request) = (form.clone(), tried.clone(), request.clone());
        let (id, on_done) = (props.id.clone(), props.on_done.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            tried.set(true);
            let Ok(body) = form.request() else { return };
            let id = id.clone();
            request.run(
                async move {
                    let channel = api::save_channel(id.as_deref(), &body).await?;
                    Ok(fill(
                        if id.is_none() {
                            t().channel_added
                        } else {
                            t().channel_saved
                        },
                        &[&channel.name],
                    ))
                },
                on_done.clone(),
            );
        })
    };
    let f = &*form;
    let (kind_name, _) = kind_label(&f.kind);
    let title = if adding {
        t().add_channel.to_owned()
    } else {
        fill(t().edit_label, &[&props.form.name])
    };

    let target = match f.kind.as_str() {
        kind if kind_has_url(kind) => html! {
            <TextField id="channel-url" label={fill(t().url_label, &[kind_name])} kind="url" value={f.url.clone()}
                oninput={edit(|f, v| f.url = v)} error={show(&errors.url)}
                hint={AttrValue::from(match kind {
                    "slack" => t().slack_url_hint,
                    "teams" => t().teams_url_hint,
                    _ => t().webhook_url_hint,
                })} />
        },
        "telegram" => html! {
            <>
                if f.token_set && f.token.is_none() {
                    <div class="field">
                        <span class="field-label" id="channel-token-label">{ t().bot_token }</span>
                        <div class="input-row">
                            <span class="secret-set" aria-labelledby="channel-token-label">{ t().secret_set }</span>
                            <button type="button" class="btn btn-secondary" onclick={replace_token}>{ t().replace }</button>
                        </div>
                        <p class="field-hint">{ t().token_hidden }</p>
                    </div>
                } else {
                    <TextField id="channel-token" label={t().bot_token} kind="password" autocomplete="off"
                        value={f.token.clone().unwrap_or_default()} oninput={edit(|f, v| f.token = Some(v))}
                        error={show(&errors.token)}
                        hint={AttrValue::Static(t().token_hint)} />
                }
                <TextField id="channel-chat" label={t().chat_id} value={f.chat_id.clone()} oninput={edit(|f, v| f.chat_id = v)}
                    error={show(&errors.chat_id)} hint={AttrValue::Static(t().chat_id_hint)} />
            </>
        },
        "email" => html! {
            <TextField id="channel-recipients" label={t().recipients} multiline=true value={f.recipients.clone()}
                oninput={edit(|f, v| f.recipients = v)} error={show(&errors.recipients)}
                hint={AttrValue::Static(t().recipients_hint)} />
        },
        _ => html! {},
    };

    html! {
        <Modal id="channel-dialog" title={title} on_close={props.on_cancel.clone()}>
            <form {onsubmit} novalidate=true>
                if adding {
                    <div class="field">
                        <label for="channel-kind">{ t().kind }</label>
                        <select id="channel-kind" onchange={on_kind} data-autofocus="true">
                            { for CHANNEL_KINDS.iter().map(|(wire, label, _)| html! {
                                <option value={*wire} selected={*wire == f.kind}>{ *label }</option>
                            }) }
                        </select>
                    </div>
                }
                <TextField id="channel-name" label={t().name} value={f.name.clone()} oninput={edit(|f, v| f.name = v)}
                    autofocus={!adding} error={show(&errors.name)}
                    hint={AttrValue::Static(t().channel_name_hint)} />
                { target }
                <fieldset class="field checks" aria-describedby={show(&errors.events).map(|_| "channel-events-error")}>
                    <legend>{ t().events }</legend>
                    { for CHANNEL_EVENTS.iter().map(|(wire, label)| {
                        let checked = f.events.iter().any(|e| e == wire);
                        let onchange = {
                            let (form, wire) = (form.clone(), wire.to_string());
                            Callback::from(move |_: Event| {
                                let mut next = (*form).clone();
                                if let Some(at) = next.events.iter().position(|e| *e == wire) {
                                    next.events.remove(at);
                                } else {
                                    next.events.push(wire.clone());
                                }
                                form.set(next);
                            })
                        };
                        let input_id = format!("channel-event-{wire}");
                        html! {
                            <label class="check" for={input_id.clone()} key={*wire}>
                                <input type="checkbox" id={input_id} {checked} {onchange} />
                                { label() }
                            </label>
                        }
                    }) }
                    if let Some(error) = show(&errors.events) {
                        <p class="field-error" id="channel-events-error">{ error }</p>
                    }
                </fieldset>
                { form_foot(request.message(""), if adding { t().add_channel } else { t().save_channel }, *request.busy, &props.on_cancel) }
            </form>
        </Modal>
    }
}

#[derive(Properties, PartialEq)]
struct DeleteDialogProps {
    channel: Channel,
    on_done: Callback<String>,
    on_cancel: Callback<()>,
}

#[component]
fn DeleteDialog(props: &DeleteDialogProps) -> Html {
    let request = use_request();
    let c = &props.channel;
    let on_confirm = {
        let (request, id, name, on_done) = (request.clone(), c.id.clone(), c.name.clone(), props.on_done.clone());
        Callback::from(move |()| {
            let (id, name) = (id.clone(), name.clone());
            request.run(
                async move {
                    api::delete_channel(&id).await?;
                    Ok(fill(t().channel_deleted, &[&name]))
                },
                on_done.clone(),
            );
        })
    };
    let text = fill(t().delete_channel_text, &[kind_label(&c.kind).0]);
    html! {
        <ConfirmDialog id="delete-channel" title={fill(t().delete_title, &[&c.name])} text={text} confirm={t().delete_channel}
            busy={*request.busy} error={request.message("")} {on_confirm} on_cancel={props.on_cancel.clone()} />
    }
}
