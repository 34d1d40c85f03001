//! Live chat settings: per bot, how handover behaves and what visitors see;
//! for the whole team, auto-away. Admins edit and save (the server applies
//! it to visitors at once); agents see the same page read-only.

use super::forms::{AutoAwayForm, BotForm, DurationInput, LABEL_MAX, OFFLINE_MAX, Unit, is_hex_colour, short_duration};
use super::forms::{OWNER_GONE_SECS, WINDOW_SECS};
use super::model::{BotSettings, TeamSettings};
use super::ui::{Bubble, Load, LoadFailed, Loaded, Switch, TextField, loading, use_load};
use crate::api;
use crate::i18n::{fill, t};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// The page's data: what the server has, and the forms being edited (one
/// per bot, so switching bots keeps unsaved edits).
#[derive(Clone, Debug, PartialEq)]
struct Data {
    saved: Vec<BotSettings>,
    forms: Vec<BotForm>,
    team_saved: TeamSettings,
    team_form: AutoAwayForm,
}

impl Data {
    fn new(bots: Vec<BotSettings>, team: TeamSettings) -> Self {
        Data {
            forms: bots.iter().map(BotForm::from_settings).collect(),
            saved: bots,
            team_form: AutoAwayForm::from_minutes(team.auto_away_minutes),
            team_saved: team,
        }
    }

    fn bot_dirty(&self, i: usize) -> bool {
        self.forms[i] != BotForm::from_settings(&self.saved[i])
    }

    fn team_dirty(&self) -> bool {
        self.team_form != AutoAwayForm::from_minutes(self.team_saved.auto_away_minutes)
    }

    fn dirty(&self) -> bool {
        self.team_dirty() || (0..self.saved.len()).any(|i| self.bot_dirty(i))
    }

    fn valid(&self) -> bool {
        self.team_form.minutes().is_ok() && self.forms.iter().all(|f| f.errors().is_empty())
    }
}

#[derive(Clone, Debug, PartialEq)]
enum SaveState {
    Idle,
    Saving,
    Saved,
    Failed(String),
}

#[derive(Properties, PartialEq)]
pub struct SettingsProps {
    pub is_admin: bool,
}

#[component]
pub fn Settings(props: &SettingsProps) -> Html {
    let Loaded { data, refresh } = use_load(|| async {
        let answer = api::bots().await?;
        Ok(Data::new(answer.bots, answer.team))
    });
    let selected = use_state(|| 0usize);
    let save = use_state(|| SaveState::Idle);

    let current = match &*data {
        Load::Loading => return loading(),
        Load::Failed(message) => return html! { <LoadFailed message={message.clone()} on_retry={refresh} /> },
        Load::Ready(current) => current.clone(),
    };
    let readonly = !props.is_admin || *save == SaveState::Saving;
    let index = (*selected).min(current.forms.len().saturating_sub(1));

    // Every edit goes through here: a new `Data` with one form changed.
    let edit = {
        let (data, save, current) = (data.clone(), save.clone(), current.clone());
        Callback::from(move |change: Box<dyn Fn(&mut Data)>| {
            let mut next = current.clone();
            change(&mut next);
            data.set(Load::Ready(next));
            if !matches!(*save, SaveState::Idle) {
                save.set(SaveState::Idle);
            }
        })
    };
    let edit_bot = |apply: fn(&mut BotForm, String)| {
        let edit = edit.clone();
        Callback::from(move |value: String| {
            edit.emit(Box::new(move |d: &mut Data| apply(&mut d.forms[index], value.clone())));
        })
    };
    let toggle_bot = |apply: fn(&mut BotForm, bool)| {
        let edit = edit.clone();
        Callback::from(move |on: bool| edit.emit(Box::new(move |d: &mut Data| apply(&mut d.forms[index], on))))
    };
    let duration_bot = |apply: fn(&mut BotForm, DurationInput)| {
        let edit = edit.clone();
        Callback::from(move |value: DurationInput| {
            edit.emit(Box::new(move |d: &mut Data| apply(&mut d.forms[index], value.clone())));
        })
    };

    let on_select = {
        let selected = selected.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            selected.set(value.parse().unwrap_or(0));
        })
    };
    let discard = {
        let (data, save, current) = (data.clone(), save.clone(), current.clone());
        Callback::from(move |_| {
            data.set(Load::Ready(Data::new(current.saved.clone(), current.team_saved)));
            save.set(SaveState::Idle);
        })
    };
    let on_save = {
        let (data, save, current) = (data.clone(), save.clone(), current.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if !current.dirty() || !current.valid() || *save == SaveState::Saving {
                return;
            }
            save.set(SaveState::Saving);
            let (data, save, mut next) = (data.clone(), save.clone(), current.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = save_all(&mut next).await;
                data.set(Load::Ready(next));
                save.set(match outcome {
                    Ok(()) => SaveState::Saved,
                    Err(message) => SaveState::Failed(message),
                });
            });
        })
    };

    let status = match (&*save, current.dirty(), current.valid()) {
        (SaveState::Saving, _, _) => html! { <span class="save-status" role="status">{ t().saving }</span> },
        (SaveState::Failed(message), _, _) => {
            html! { <span class="save-status save-error" role="alert">{ message.clone() }</span> }
        }
        (_, true, false) => {
            html! { <span class="save-status save-error">{ t().fix_red_to_save }</span> }
        }
        (_, true, true) => html! { <span class="save-status">{ t().unsaved_changes }</span> },
        (SaveState::Saved, false, _) => {
            html! { <span class="save-status saved-note" role="status">{ t().saved_live }</span> }
        }
        _ => html! {},
    };

    let team = team_card(&current, readonly, &edit);
    let bot = if current.forms.is_empty() {
        html! { <p class="page-note">{ t().no_bots_to_configure }</p> }
    } else {
        let form = &current.forms[index];
        let errors = form.errors();
        let fields = BotFields {
            form: form.clone(),
            errors,
            readonly,
            on_label: edit_bot(|f, v| f.button_label = v),
            on_offline: edit_bot(|f, v| f.offline_message = v),
            on_colour: edit_bot(|f, v| f.colour = v.trim().to_owned()),
            on_avatar: edit_bot(|f, v| f.avatar_url = v),
            on_handover: toggle_bot(|f, on| f.handover_enabled = on),
            on_button: toggle_bot(|f, on| f.show_button = on),
            on_human_only: toggle_bot(|f, on| f.human_only = on),
            on_window: duration_bot(|f, v| f.window = v),
            on_owner_gone: duration_bot(|f, v| f.owner_gone = v),
            on_keep_waiting: toggle_bot(|f, on| f.after_lapse.keep_waiting = on),
            on_leave_message: toggle_bot(|f, on| f.after_lapse.leave_message = on),
            on_back_to_bot: toggle_bot(|f, on| f.after_lapse.back_to_bot = on),
            on_rating: toggle_bot(|f, on| f.rating = on),
        };
        html! {
            <>
                <div class="field bot-picker">
                    <label for="settings-bot">{ t().bot }</label>
                    <select id="settings-bot" onchange={on_select}>
                        { for current.saved.iter().enumerate().map(|(i, bot)| {
                            let name = if bot.name.is_empty() { bot.id.clone() } else { bot.name.clone() };
                            let label = if current.bot_dirty(i) { fill(t().unsaved_suffix, &[&name]) } else { name };
                            html! { <option value={i.to_string()} selected={i == index}>{ label }</option> }
                        }) }
                    </select>
                </div>
                { fields.view() }
            </>
        }
    };

    html! {
        <form class="settings" onsubmit={on_save} novalidate=true>
            <p class="page-lead">
                if props.is_admin {
                    { t().settings_lead_admin }
                } else {
                    { t().settings_lead_agent }
                }
            </p>
            { bot }
            { team }
            if props.is_admin {
                <div class="save-bar">
                    { status }
                    <button type="button" class="btn btn-ghost" onclick={discard}
                        disabled={!current.dirty() || *save == SaveState::Saving}>{ t().discard }</button>
                    <button type="submit" class="btn btn-primary"
                        disabled={!current.dirty() || !current.valid() || *save == SaveState::Saving}>{ t().save }</button>
                </div>
            }
        </form>
    }
}

/// Saves every changed bot, then the team settings, updating `data` with
/// what the server kept. Stops at the first refusal.
async fn save_all(data: &mut Data) -> Result<(), String> {
    for i in 0..data.saved.len() {
        if !data.bot_dirty(i) {
            continue;
        }
        let settings = data.forms[i]
            .apply(&data.saved[i])
            .map_err(|_| t().fix_red.to_owned())?;
        let name = settings.name.clone();
        let kept = api::save_bot(&settings)
            .await
            .map_err(|e| fill(t().named_error, &[&name, &e.message]))?;
        data.forms[i] = BotForm::from_settings(&kept);
        data.saved[i] = kept;
    }
    if data.team_dirty() {
        let team = TeamSettings {
            auto_away_minutes: data.team_form.minutes()?,
        };
        api::save_team_settings(&team)
            .await
            .map_err(|e| fill(t().team_error, &[&e.message]))?;
        data.team_saved = team;
        data.team_form = AutoAwayForm::from_minutes(team.auto_away_minutes);
    }
    Ok(())
}

type Edit = Callback<Box<dyn Fn(&mut Data)>>;

fn team_card(current: &Data, readonly: bool, edit: &Edit) -> Html {
    let form = &current.team_form;
    let on_toggle = {
        let edit = edit.clone();
        Callback::from(move |on: bool| edit.emit(Box::new(move |d: &mut Data| d.team_form.on = on)))
    };
    let on_minutes = {
        let edit = edit.clone();
        Callback::from(move |text: String| edit.emit(Box::new(move |d: &mut Data| d.team_form.minutes = text.clone())))
    };
    html! {
        <section class="card" aria-labelledby="team-settings-title">
            <h2 id="team-settings-title" class="card-title">{ t().whole_team }</h2>
            <Switch id="auto-away" label={t().auto_away_label} checked={form.on} disabled={readonly}
                onchange={on_toggle}
                hint={AttrValue::Static(t().auto_away_hint)} />
            if form.on {
                <TextField id="auto-away-minutes" label={t().minutes_idle} kind="number" class="field-short"
                    value={form.minutes.clone()} oninput={on_minutes} disabled={readonly}
                    error={form.minutes().err()} />
            }
        </section>
    }
}

/// One bot's fields and their callbacks.
struct BotFields {
    form: BotForm,
    errors: super::forms::BotErrors,
    readonly: bool,
    on_label: Callback<String>,
    on_offline: Callback<String>,
    on_colour: Callback<String>,
    on_avatar: Callback<String>,
    on_handover: Callback<bool>,
    on_button: Callback<bool>,
    on_human_only: Callback<bool>,
    on_window: Callback<DurationInput>,
    on_owner_gone: Callback<DurationInput>,
    on_keep_waiting: Callback<bool>,
    on_leave_message: Callback<bool>,
    on_back_to_bot: Callback<bool>,
    on_rating: Callback<bool>,
}

impl BotFields {
    fn view(self) -> Html {
        let f = &self.form;
        let label_count = f.button_label.trim().chars().count();
        let offline_count = f.offline_message.trim().chars().count();
        let colour = Some(f.colour.clone()).filter(|c| is_hex_colour(c));
        html! {
            <>
                <section class="card" aria-labelledby="handover-title">
                    <h2 id="handover-title" class="card-title">{ t().handover }</h2>
                    <Switch id="bot-handover" label={t().handover_label} checked={f.handover_enabled}
                        disabled={self.readonly} onchange={self.on_handover.clone()}
                        hint={AttrValue::Static(t().handover_hint)} />
                    <Switch id="bot-button" label={t().button_switch} checked={f.show_button}
                        disabled={self.readonly} onchange={self.on_button.clone()}
                        hint={AttrValue::Static(t().button_switch_hint)} />
                    <TextField id="bot-label" label={t().button_label} value={f.button_label.clone()} oninput={self.on_label.clone()}
                        disabled={self.readonly} error={self.errors.button_label.clone()}
                        hint={AttrValue::from(fill(t().characters_count, &[&label_count.to_string(), &LABEL_MAX.to_string()]))} />
                    <Switch id="bot-human-only" label={t().human_only} checked={f.human_only}
                        disabled={self.readonly} onchange={self.on_human_only.clone()}
                        hint={AttrValue::Static(t().human_only_hint)} />
                    <DurationField id="bot-window" label={t().response_window} value={f.window.clone()}
                        readonly={self.readonly} error={self.errors.window.clone()} onchange={self.on_window.clone()}
                        hint={fill(t().response_window_hint,
                            &[&short_duration(WINDOW_SECS.0), &short_duration(WINDOW_SECS.1)])} />
                    <TextField id="bot-offline" label={t().offline_message} multiline=true value={f.offline_message.clone()}
                        oninput={self.on_offline.clone()} disabled={self.readonly} error={self.errors.offline_message.clone()}
                        hint={AttrValue::from(fill(t().offline_message_hint, &[&offline_count.to_string(), &OFFLINE_MAX.to_string()]))} />
                </section>
                <section class="card" aria-labelledby="after-lapse-title">
                    <h2 id="after-lapse-title" class="card-title">{ t().after_lapse }</h2>
                    <p class="page-note">{ t().after_lapse_hint }</p>
                    <Switch id="bot-keep-waiting" label={t().offer_keep_waiting} checked={f.after_lapse.keep_waiting}
                        disabled={self.readonly} onchange={self.on_keep_waiting.clone()}
                        hint={AttrValue::Static(t().offer_keep_waiting_hint)} />
                    <Switch id="bot-leave-message" label={t().offer_leave_message} checked={f.after_lapse.leave_message}
                        disabled={self.readonly} onchange={self.on_leave_message.clone()}
                        hint={AttrValue::Static(t().offer_leave_message_hint)} />
                    <Switch id="bot-back-to-bot" label={t().offer_back_to_bot} checked={f.after_lapse.back_to_bot}
                        disabled={self.readonly} onchange={self.on_back_to_bot.clone()} />
                </section>
                <section class="card" aria-labelledby="after-chat-title">
                    <h2 id="after-chat-title" class="card-title">{ t().after_chat }</h2>
                    <Switch id="bot-rating" label={t().ask_rating} checked={f.rating}
                        disabled={self.readonly} onchange={self.on_rating.clone()}
                        hint={AttrValue::Static(t().ask_rating_hint)} />
                </section>
                <section class="card" aria-labelledby="operators-title">
                    <h2 id="operators-title" class="card-title">{ t().operators_in_chats }</h2>
                    <div class="input-pair">
                        <TextField id="bot-colour" label={t().default_colour} value={f.colour.clone()} oninput={self.on_colour.clone()}
                            disabled={self.readonly} error={self.errors.colour.clone()}
                            hint={AttrValue::Static(t().bot_colour_hint)}>
                            <Bubble name="A" colour={colour} />
                        </TextField>
                        <TextField id="bot-avatar" label={t().default_avatar_url} kind="url" value={f.avatar_url.clone()}
                            oninput={self.on_avatar.clone()} disabled={self.readonly} error={self.errors.avatar_url.clone()}
                            hint={AttrValue::Static(t().default_avatar_hint)} />
                    </div>
                    <DurationField id="bot-owner-gone" label={t().owner_gone_grace} value={f.owner_gone.clone()}
                        readonly={self.readonly} error={self.errors.owner_gone.clone()} onchange={self.on_owner_gone.clone()}
                        hint={fill(t().owner_gone_hint,
                            &[&short_duration(OWNER_GONE_SECS.0), &short_duration(OWNER_GONE_SECS.1)])} />
                </section>
            </>
        }
    }
}

#[derive(Properties, PartialEq)]
struct DurationFieldProps {
    id: AttrValue,
    label: AttrValue,
    value: DurationInput,
    readonly: bool,
    error: Option<String>,
    hint: String,
    onchange: Callback<DurationInput>,
}

/// A number and its unit (seconds or minutes).
#[component]
fn DurationField(props: &DurationFieldProps) -> Html {
    let oninput = {
        let (cb, unit) = (props.onchange.clone(), props.value.unit);
        Callback::from(move |text: String| cb.emit(DurationInput { text, unit }))
    };
    let on_unit = {
        let (cb, text) = (props.onchange.clone(), props.value.text.clone());
        Callback::from(move |e: Event| {
            let unit = Unit::parse(&e.target_unchecked_into::<HtmlSelectElement>().value());
            cb.emit(DurationInput {
                text: text.clone(),
                unit,
            });
        })
    };
    html! {
        <TextField id={props.id.clone()} label={props.label.clone()} kind="number" class="field-short"
            value={props.value.text.clone()} {oninput} disabled={props.readonly} error={props.error.clone()}
            hint={AttrValue::from(props.hint.clone())}>
            <select aria-label={fill(t().unit_label, &[&props.label])} onchange={on_unit} disabled={props.readonly}>
                { for [Unit::Seconds, Unit::Minutes].into_iter().map(|u| html! {
                    <option value={u.value()} selected={u == props.value.unit}>{ if u == Unit::Seconds { t().unit_seconds } else { t().unit_minutes } }</option>
                }) }
            </select>
        </TextField>
    }
}
