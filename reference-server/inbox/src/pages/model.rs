//! The JSON the admin and personal pages exchange with the server
//! (CONTRACT.md: team, bot settings, notification channels, alert prefs).
//! Kept free of the browser so the shapes are tested natively.
//!
//! Objects the pages send back whole (bot settings) keep fields this build
//! does not know in `extra`, so saving never erases a newer server's field.

use crate::i18n::t;
use baton_protocol::OperatorProfile;
use baton_protocol::followup::AfterLapse;
use baton_protocol::operator::{OperatorStatus, Role};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One operator as the team page lists them.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TeamMember {
    pub id: String,
    #[serde(default)]
    pub email: String,
    pub name: String,
    #[serde(default)]
    pub role: Role,
    #[serde(default)]
    pub bots: Vec<String>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub colour: Option<String>,
    #[serde(default)]
    pub avatar_url: Option<String>,
    #[serde(default)]
    pub status: OperatorStatus,
}

#[derive(Debug, Deserialize)]
pub struct TeamList {
    pub operators: Vec<TeamMember>,
}

#[derive(Debug, Deserialize)]
pub struct OneMember {
    pub operator: TeamMember,
}

/// `POST /api/team`.
#[derive(Debug, PartialEq, Serialize)]
pub struct NewMember {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub bots: Vec<String>,
    pub password: String,
}

/// `PATCH /api/team/{id}`.
#[derive(Debug, PartialEq, Serialize)]
pub struct MemberChange {
    pub name: String,
    pub role: Role,
    pub bots: Vec<String>,
}

/// `PATCH /api/me`. `colour: None` is sent as `null`: back to the default.
#[derive(Debug, PartialEq, Serialize)]
pub struct ProfileChange {
    pub name: String,
    pub colour: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct OneProfile {
    pub operator: OperatorProfile,
}

/// `POST /api/me/password`.
#[derive(Debug, Serialize)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

/// `POST /api/team/{id}/password`.
#[derive(Debug, Serialize)]
pub struct PasswordReset {
    pub password: String,
}

/// A bot's live-chat settings (BotSettingsJson).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BotSettings {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub handover_enabled: bool,
    pub show_button: bool,
    pub button_label: String,
    #[serde(default)]
    pub offline_message: String,
    pub response_window_secs: u32,
    /// `assisted` or `human_only`; kept as text so a newer mode survives a save.
    pub mode: String,
    #[serde(default)]
    pub operator_colour: Option<String>,
    #[serde(default)]
    pub operator_avatar_url: Option<String>,
    pub owner_gone_secs: u32,
    /// The choices a visitor gets when a request lapses (absent from an
    /// older server: all three, its behaviour).
    #[serde(default)]
    pub after_lapse: AfterLapse,
    /// Ask for a rating after a person resolves a chat.
    #[serde(default = "yes")]
    pub rating: bool,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

pub const MODE_HUMAN_ONLY: &str = "human_only";
pub const MODE_ASSISTED: &str = "assisted";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamSettings {
    #[serde(default)]
    pub auto_away_minutes: Option<u32>,
}

/// `GET /api/bots`.
#[derive(Debug, Deserialize)]
pub struct BotsAndTeam {
    pub bots: Vec<BotSettings>,
    #[serde(default)]
    pub team: TeamSettings,
}

/// One operator's ratings: of the chats they resolved (`GET /api/ratings`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct OperatorRating {
    pub operator: OperatorProfile,
    pub count: u64,
    /// 1.0–5.0.
    pub average: f64,
}

/// One bot's ratings.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct BotRating {
    pub bot: String,
    pub count: u64,
    pub average: f64,
}

/// `GET /api/ratings`: averages per operator and per bot (only my bots).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct RatingAverages {
    #[serde(default)]
    pub operators: Vec<OperatorRating>,
    #[serde(default)]
    pub bots: Vec<BotRating>,
}

/// An average as shown: one decimal ("4.5"), the digits Latin in every
/// language, as the 1–5 scale is written.
pub fn rating_text(average: f64) -> String {
    format!("{:.1}", (average * 10.0).round() / 10.0)
}

/// A notification channel as the server reports it. The telegram token is
/// write-only: only `bot_token_set` comes back.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Channel {
    pub id: String,
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub chat_id: Option<String>,
    #[serde(default)]
    pub bot_token_set: bool,
    #[serde(default)]
    pub recipients: Vec<String>,
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

#[derive(Debug, Deserialize)]
pub struct ChannelList {
    pub channels: Vec<Channel>,
}

/// A saved channel: `{"channel": …}` (as the contract gives for create),
/// or the bare object (the contract leaves the update's answer open).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneChannel {
    Wrapped { channel: Channel },
    Bare(Channel),
}

impl OneChannel {
    pub fn channel(self) -> Channel {
        match self {
            OneChannel::Wrapped { channel } | OneChannel::Bare(channel) => channel,
        }
    }
}

/// The body of `POST /api/notify/channels` and `PUT …/{id}`. `bot_token`
/// goes out only when the operator typed a new one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChannelRequest {
    pub kind: String,
    pub name: String,
    pub url: Option<String>,
    pub chat_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bot_token: Option<String>,
    pub recipients: Vec<String>,
    pub events: Vec<String>,
    pub enabled: bool,
}

impl ChannelRequest {
    /// The request that saves `channel` unchanged but for `enabled`.
    pub fn toggled(channel: &Channel, enabled: bool) -> Self {
        ChannelRequest {
            kind: channel.kind.clone(),
            name: channel.name.clone(),
            url: channel.url.clone(),
            chat_id: channel.chat_id.clone(),
            bot_token: None,
            recipients: channel.recipients.clone(),
            events: channel.events.clone(),
            enabled,
        }
    }
}

/// The kinds of channel, in menu order: wire name, label, icon glyph.
pub const CHANNEL_KINDS: [(&str, &str, &str); 5] = [
    ("webhook", "Webhook", "{ }"),
    ("slack", "Slack", "#"),
    ("teams", "Microsoft Teams", "T"),
    ("telegram", "Telegram", "✈"),
    ("email", "Email", "@"),
];

/// The events a channel can carry: wire name and label.
/// A label read from the catalogue when shown (the language is chosen at start).
pub type Label = fn() -> &'static str;

pub const CHANNEL_EVENTS: [(&str, Label); 6] = [
    ("help_requested", || t().event_help),
    ("new_chat", || t().event_new_chat),
    ("unclaimed", || t().event_unclaimed),
    ("transferred", || t().event_transferred),
    ("visitor_ended", || t().event_visitor_ended),
    ("owner_gone", || t().event_owner_gone),
];

/// A channel kind's label and icon; an unknown kind shows its wire name.
pub fn kind_label(kind: &str) -> (&str, &'static str) {
    CHANNEL_KINDS
        .iter()
        .find(|(wire, _, _)| *wire == kind)
        .map(|(_, label, icon)| (*label, *icon))
        .unwrap_or((kind, "•"))
}

pub fn event_label(event: &str) -> &str {
    CHANNEL_EVENTS
        .iter()
        .find(|(wire, _)| *wire == event)
        .map(|(_, label)| label())
        .unwrap_or(event)
}

/// Whether a kind of channel is addressed by a URL.
pub fn kind_has_url(kind: &str) -> bool {
    matches!(kind, "webhook" | "slack" | "teams")
}

fn yes() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contracts_examples_parse() {
        let member: TeamMember = serde_json::from_str(
            r##"{"id":"op-1","email":"a@b","name":"Dana","role":"admin","bots":["demo","billing"],"active":true,
                "colour":"#0b7a75","avatar_url":null,"status":"available"}"##,
        )
        .expect("team member");
        assert_eq!(member.role, Role::Admin);
        assert_eq!(member.status, OperatorStatus::Available);
        assert_eq!(member.bots, ["demo", "billing"]);

        let bots: BotsAndTeam = serde_json::from_str(
            r##"{"bots":[{"id":"demo","name":"Demo shop","handover_enabled":true,"show_button":true,
                "button_label":"Talk to a human","offline_message":"Back soon","response_window_secs":120,
                "mode":"assisted","operator_colour":null,"operator_avatar_url":null,"owner_gone_secs":180}],
                "team":{"auto_away_minutes":15}}"##,
        )
        .expect("bots");
        assert_eq!(bots.bots[0].response_window_secs, 120);
        assert_eq!(bots.team.auto_away_minutes, Some(15));

        let channel: Channel = serde_json::from_str(
            r#"{"id":"ch-1","kind":"telegram","name":"Ops","url":null,"chat_id":"42","bot_token_set":true,
                "recipients":[],"events":["help_requested"],"enabled":true}"#,
        )
        .expect("channel");
        assert!(channel.bot_token_set);
        assert_eq!(kind_label(&channel.kind), ("Telegram", "✈"));

        let bare = r#"{"id":"ch-2","kind":"email","name":"Leads","recipients":["a@b"],"events":[],"enabled":false}"#;
        let wrapped = format!(r#"{{"channel":{bare}}}"#);
        for json in [bare, wrapped.as_str()] {
            let one: OneChannel = serde_json::from_str(json).expect("a saved channel");
            assert_eq!(one.channel().recipients, ["a@b"]);
        }
    }

    #[test]
    fn bot_settings_keep_fields_this_build_does_not_know() {
        let json = r#"{"id":"demo","name":"Demo","handover_enabled":true,"show_button":false,"button_label":"Hi",
            "offline_message":"","response_window_secs":60,"mode":"later_mode","owner_gone_secs":90,"greeting":"Hello"}"#;
        let settings: BotSettings = serde_json::from_str(json).expect("parses");
        let back = serde_json::to_value(&settings).expect("serialises");
        assert_eq!(back["greeting"], "Hello");
        assert_eq!(back["mode"], "later_mode");
    }

    #[test]
    fn a_channel_request_sends_the_token_only_when_replaced() {
        let channel = Channel {
            id: "ch-1".into(),
            kind: "telegram".into(),
            name: "Ops".into(),
            url: None,
            chat_id: Some("42".into()),
            bot_token_set: true,
            recipients: vec![],
            events: vec!["new_chat".into()],
            enabled: true,
        };
        let body = serde_json::to_value(ChannelRequest::toggled(&channel, false)).expect("serialises");
        assert!(body.get("bot_token").is_none());
        assert_eq!(body["enabled"], false);
        assert_eq!(body["chat_id"], "42");
    }
}
