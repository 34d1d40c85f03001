//! Pure form logic for the admin and personal pages: what each field
//! accepts, the sentences shown when it does not, durations in seconds or
//! minutes, generated passwords. No browser code, so `cargo test` runs it.
//!
//! The ranges mirror what the server checks (CONTRACT.md); the server stays
//! the judge, these only spare a round trip and say it next to the field.

use super::model::{BotSettings, Channel, ChannelRequest, MODE_ASSISTED, MODE_HUMAN_ONLY, kind_has_url};
use crate::i18n::{fill, t};
use baton_protocol::followup::AfterLapse;

pub const PASSWORD_MIN: usize = 8;
pub const NAME_MAX: usize = 60;
pub const LABEL_MAX: usize = 40;
pub const OFFLINE_MAX: usize = 300;
pub const WINDOW_SECS: (u32, u32) = (15, 3600);
pub const OWNER_GONE_SECS: (u32, u32) = (30, 3600);
/// Auto-away: the contract gives no range; a working day is the most that
/// still means "away".
pub const AUTO_AWAY_MINUTES: (u32, u32) = (1, 480);
pub const URL_MAX: usize = 500;

/// The avatar colours offered as swatches (all readable under white text).
pub const SWATCHES: [&str; 6] = ["#4f46e5", "#0b7a75", "#15803d", "#b45309", "#be185d", "#6d28d9"];

/// `#rrggbb`, nothing else.
pub fn is_hex_colour(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 7 && bytes[0] == b'#' && bytes[1..].iter().all(u8::is_ascii_hexdigit)
}

pub fn check_name(name: &str) -> Option<String> {
    let name = name.trim();
    if name.is_empty() {
        Some(t().enter_name.into())
    } else if name.chars().count() > NAME_MAX {
        Some(fill(t().name_too_long, &[&NAME_MAX.to_string()]))
    } else {
        None
    }
}

pub fn check_email(email: &str) -> Option<String> {
    let email = email.trim();
    let shaped = email
        .split_once('@')
        .is_some_and(|(user, host)| !user.is_empty() && !host.is_empty() && !host.contains('@'));
    if email.is_empty() {
        Some(t().enter_email.into())
    } else if !shaped || email.chars().any(char::is_whitespace) {
        Some(t().email_shape.into())
    } else {
        None
    }
}

pub fn check_password(password: &str) -> Option<String> {
    (password.chars().count() < PASSWORD_MIN).then(|| fill(t().password_too_short, &[&PASSWORD_MIN.to_string()]))
}

/// The "confirm" field of a new password.
pub fn check_confirmation(password: &str, confirmation: &str) -> Option<String> {
    (password != confirmation).then(|| t().passwords_differ.into())
}

/// A colour field that may be left empty (the default).
pub fn check_optional_colour(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty() && !is_hex_colour(text)).then(|| t().colour_shape.into())
}

/// A URL field that may be left empty.
pub fn check_optional_url(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() { None } else { check_url(text) }
}

pub fn check_url(text: &str) -> Option<String> {
    let text = text.trim();
    let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://"));
    if text.is_empty() {
        Some(t().enter_url.into())
    } else if rest.is_none_or(|r| r.is_empty()) || text.chars().any(char::is_whitespace) {
        Some(t().url_shape.into())
    } else if text.len() > URL_MAX {
        Some(fill(t().url_too_long, &[&URL_MAX.to_string()]))
    } else {
        None
    }
}

/// A trimmed text, or `None` when empty.
pub fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

// ------------------------------------------------------------- durations

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Seconds,
    Minutes,
}

impl Unit {
    pub fn value(self) -> &'static str {
        match self {
            Unit::Seconds => "seconds",
            Unit::Minutes => "minutes",
        }
    }

    pub fn parse(value: &str) -> Unit {
        if value == "minutes" {
            Unit::Minutes
        } else {
            Unit::Seconds
        }
    }

    fn factor(self) -> u32 {
        match self {
            Unit::Seconds => 1,
            Unit::Minutes => 60,
        }
    }
}

/// A duration as the form edits it: the typed number and its unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationInput {
    pub text: String,
    pub unit: Unit,
}

impl DurationInput {
    /// Whole minutes read as minutes; anything else as seconds.
    pub fn from_secs(secs: u32) -> Self {
        if secs >= 60 && secs % 60 == 0 {
            DurationInput {
                text: (secs / 60).to_string(),
                unit: Unit::Minutes,
            }
        } else {
            DurationInput {
                text: secs.to_string(),
                unit: Unit::Seconds,
            }
        }
    }

    /// The seconds, if the number is whole and within `range` (inclusive).
    pub fn secs(&self, range: (u32, u32)) -> Result<u32, String> {
        let limits = fill(t().between, &[&short_duration(range.0), &short_duration(range.1)]);
        let n: u32 = self
            .text
            .trim()
            .parse()
            .map_err(|_| fill(t().whole_number, &[&limits]))?;
        let secs = n.saturating_mul(self.unit.factor());
        if secs < range.0 || secs > range.1 {
            return Err(fill(t().choose_limits, &[&limits]));
        }
        Ok(secs)
    }
}

/// "45 s", "2 min", "1 h", "1 h 30 min".
pub fn short_duration(secs: u32) -> String {
    match secs {
        0..60 => fill(t().dur_s, &[&secs.to_string()]),
        _ if secs % 3600 == 0 => fill(t().dur_h, &[&(secs / 3600).to_string()]),
        60..3600 if secs % 60 == 0 => fill(t().dur_min, &[&(secs / 60).to_string()]),
        60..3600 => fill(t().dur_min_s, &[&(secs / 60).to_string(), &(secs % 60).to_string()]),
        _ => fill(
            t().dur_h_min,
            &[&(secs / 3600).to_string(), &((secs % 3600) / 60).to_string()],
        ),
    }
}

// ---------------------------------------------------------- bot settings

/// The live-chat settings of one bot as the form edits them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BotForm {
    pub handover_enabled: bool,
    pub show_button: bool,
    pub button_label: String,
    pub offline_message: String,
    pub window: DurationInput,
    pub human_only: bool,
    pub colour: String,
    pub avatar_url: String,
    pub owner_gone: DurationInput,
    pub after_lapse: AfterLapse,
    pub rating: bool,
    /// The mode as the server sent it, kept when it is neither of ours.
    mode: String,
}

/// One sentence per field in trouble.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BotErrors {
    pub button_label: Option<String>,
    pub offline_message: Option<String>,
    pub window: Option<String>,
    pub colour: Option<String>,
    pub avatar_url: Option<String>,
    pub owner_gone: Option<String>,
}

impl BotErrors {
    pub fn is_empty(&self) -> bool {
        *self == BotErrors::default()
    }
}

impl BotForm {
    pub fn from_settings(s: &BotSettings) -> Self {
        BotForm {
            handover_enabled: s.handover_enabled,
            show_button: s.show_button,
            button_label: s.button_label.clone(),
            offline_message: s.offline_message.clone(),
            window: DurationInput::from_secs(s.response_window_secs),
            human_only: s.mode == MODE_HUMAN_ONLY,
            colour: s.operator_colour.clone().unwrap_or_default(),
            avatar_url: s.operator_avatar_url.clone().unwrap_or_default(),
            owner_gone: DurationInput::from_secs(s.owner_gone_secs),
            after_lapse: s.after_lapse,
            rating: s.rating,
            mode: s.mode.clone(),
        }
    }

    pub fn errors(&self) -> BotErrors {
        let label = self.button_label.trim().chars().count();
        BotErrors {
            button_label: match label {
                0 => Some(t().enter_button_label.into()),
                n if n > LABEL_MAX => Some(fill(t().label_too_long, &[&LABEL_MAX.to_string(), &n.to_string()])),
                _ => None,
            },
            offline_message: {
                let n = self.offline_message.trim().chars().count();
                (n > OFFLINE_MAX).then(|| fill(t().message_too_long, &[&OFFLINE_MAX.to_string(), &n.to_string()]))
            },
            window: self.window.secs(WINDOW_SECS).err(),
            colour: check_optional_colour(&self.colour),
            avatar_url: check_optional_url(&self.avatar_url),
            owner_gone: self.owner_gone.secs(OWNER_GONE_SECS).err(),
        }
    }

    /// The settings to save: `base` with this form's fields, or the errors.
    pub fn apply(&self, base: &BotSettings) -> Result<BotSettings, Box<BotErrors>> {
        let errors = self.errors();
        let (Ok(window), Ok(owner_gone)) = (self.window.secs(WINDOW_SECS), self.owner_gone.secs(OWNER_GONE_SECS))
        else {
            return Err(Box::new(errors));
        };
        if !errors.is_empty() {
            return Err(Box::new(errors));
        }
        let mode = match (self.human_only, self.mode.as_str()) {
            (true, _) => MODE_HUMAN_ONLY.to_owned(),
            (false, MODE_HUMAN_ONLY) => MODE_ASSISTED.to_owned(),
            (false, other) => other.to_owned(),
        };
        Ok(BotSettings {
            handover_enabled: self.handover_enabled,
            show_button: self.show_button,
            button_label: self.button_label.trim().to_owned(),
            offline_message: self.offline_message.trim().to_owned(),
            response_window_secs: window,
            mode,
            operator_colour: non_empty(&self.colour),
            operator_avatar_url: non_empty(&self.avatar_url),
            owner_gone_secs: owner_gone,
            after_lapse: self.after_lapse,
            rating: self.rating,
            ..base.clone()
        })
    }
}

/// The team's auto-away as edited: off, or a number of minutes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutoAwayForm {
    pub on: bool,
    pub minutes: String,
}

impl AutoAwayForm {
    pub fn from_minutes(minutes: Option<u32>) -> Self {
        AutoAwayForm {
            on: minutes.is_some(),
            minutes: minutes.unwrap_or(15).to_string(),
        }
    }

    pub fn minutes(&self) -> Result<Option<u32>, String> {
        if !self.on {
            return Ok(None);
        }
        let (low, high) = AUTO_AWAY_MINUTES;
        match self.minutes.trim().parse::<u32>() {
            Ok(n) if (low..=high).contains(&n) => Ok(Some(n)),
            _ => Err(fill(t().whole_minutes, &[&low.to_string(), &high.to_string()])),
        }
    }
}

// -------------------------------------------------------------- channels

/// A notification channel as the add/edit dialog edits it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelForm {
    pub kind: String,
    pub name: String,
    pub url: String,
    pub chat_id: String,
    /// Whether the server holds a token already (editing a telegram channel).
    pub token_set: bool,
    /// The token typed: only sent when present.
    pub token: Option<String>,
    pub recipients: String,
    pub events: Vec<String>,
    pub enabled: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChannelErrors {
    pub name: Option<String>,
    pub url: Option<String>,
    pub chat_id: Option<String>,
    pub token: Option<String>,
    pub recipients: Option<String>,
    pub events: Option<String>,
}

impl ChannelErrors {
    pub fn is_empty(&self) -> bool {
        *self == ChannelErrors::default()
    }
}

impl ChannelForm {
    pub fn new(kind: &str) -> Self {
        ChannelForm {
            kind: kind.to_owned(),
            name: String::new(),
            url: String::new(),
            chat_id: String::new(),
            token_set: false,
            token: None,
            recipients: String::new(),
            events: vec!["help_requested".into(), "unclaimed".into()],
            enabled: true,
        }
    }

    pub fn from_channel(c: &Channel) -> Self {
        ChannelForm {
            kind: c.kind.clone(),
            name: c.name.clone(),
            url: c.url.clone().unwrap_or_default(),
            chat_id: c.chat_id.clone().unwrap_or_default(),
            token_set: c.bot_token_set,
            token: None,
            recipients: c.recipients.join(", "),
            events: c.events.clone(),
            enabled: c.enabled,
        }
    }

    pub fn errors(&self) -> ChannelErrors {
        let mut errors = ChannelErrors {
            name: check_name(&self.name),
            events: self.events.is_empty().then(|| t().pick_event.into()),
            ..ChannelErrors::default()
        };
        match self.kind.as_str() {
            kind if kind_has_url(kind) => errors.url = check_url(&self.url),
            "telegram" => {
                errors.chat_id = self.chat_id.trim().is_empty().then(|| t().enter_chat_id.into());
                let typed = self.token.as_deref().map(str::trim);
                errors.token = match typed {
                    Some("") | None if !self.token_set => Some(t().enter_token.into()),
                    Some("") => Some(t().enter_new_token.into()),
                    _ => None,
                };
            }
            "email" => errors.recipients = check_recipients(&self.recipients),
            _ => {}
        }
        errors
    }

    pub fn request(&self) -> Result<ChannelRequest, Box<ChannelErrors>> {
        let errors = self.errors();
        if !errors.is_empty() {
            return Err(Box::new(errors));
        }
        let has_url = kind_has_url(&self.kind);
        let telegram = self.kind == "telegram";
        Ok(ChannelRequest {
            kind: self.kind.clone(),
            name: self.name.trim().to_owned(),
            url: has_url.then(|| self.url.trim().to_owned()),
            chat_id: telegram.then(|| self.chat_id.trim().to_owned()),
            bot_token: self.token.as_deref().filter(|_| telegram).map(|t| t.trim().to_owned()),
            recipients: if self.kind == "email" {
                recipients(&self.recipients)
            } else {
                vec![]
            },
            events: self.events.clone(),
            enabled: self.enabled,
        })
    }
}

/// Addresses separated by commas, semicolons, spaces or new lines.
pub fn recipients(text: &str) -> Vec<String> {
    text.split([',', ';', '\n', ' ', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

pub fn check_recipients(text: &str) -> Option<String> {
    let list = recipients(text);
    if list.is_empty() {
        return Some(t().enter_recipient.into());
    }
    list.iter()
        .find(|a| check_email(a).is_some())
        .map(|bad| fill(t().not_an_email, &[bad]))
}

// ---------------------------------------------------------------- other

/// Letters and digits that cannot be mistaken for one another (no 0/O, 1/l/I).
const PASSWORD_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
pub const GENERATED_LEN: usize = 16;

/// A password from random bytes (one character per byte; bytes past the
/// last whole multiple of the alphabet are skipped so no letter is favoured).
/// `None` when the bytes run out first.
pub fn password_from_bytes(bytes: &[u8]) -> Option<String> {
    let n = PASSWORD_ALPHABET.len();
    let limit = 256 - 256 % n;
    let chars: String = bytes
        .iter()
        .map(|b| usize::from(*b))
        .filter(|b| *b < limit)
        .take(GENERATED_LEN)
        .map(|b| char::from(PASSWORD_ALPHABET[b % n]))
        .collect();
    (chars.len() == GENERATED_LEN).then_some(chars)
}

/// The sentence for a refused request, from the status and the error body
/// (`{"error","message"}`) when there was one.
pub fn error_text(status: u16, error: Option<&str>, message: Option<&str>) -> String {
    if let Some(message) = message.filter(|m| !m.trim().is_empty()) {
        return crate::format::sentence(message);
    }
    match (status, error) {
        (401, _) => t().session_ended.into(),
        (403, _) => t().only_admin.into(),
        (404, _) => t().not_found.into(),
        (502, _) => t().delivery_failed.into(),
        (_, Some(code)) => crate::format::sentence(&code.replace('_', " ")),
        (0, None) => t().server_unreachable.into(),
        (status, None) => fill(t().server_refused, &[&status.to_string()]),
    }
}

#[cfg(test)]
mod tests;
