use super::*;
use crate::pages::model::BotSettings;

fn settings() -> BotSettings {
    serde_json::from_str(
        r#"{"id":"demo","name":"Demo shop","handover_enabled":true,"show_button":true,
            "button_label":"Talk to a human","offline_message":"Back at 9","response_window_secs":120,
            "mode":"assisted","operator_colour":null,"operator_avatar_url":null,"owner_gone_secs":45}"#,
    )
    .expect("settings parse")
}

#[test]
fn colours_are_exactly_hash_and_six_hex_digits() {
    assert!(is_hex_colour("#0b7a75"));
    assert!(is_hex_colour("#ABCDEF"));
    for bad in ["0b7a75", "#0b7a7", "#0b7a750", "#0b7a7g", "", "#", "red"] {
        assert!(!is_hex_colour(bad), "{bad}");
    }
    assert!(SWATCHES.iter().all(|s| is_hex_colour(s)));
    assert_eq!(check_optional_colour(""), None);
    assert!(check_optional_colour("blue").is_some());
}

#[test]
fn names_emails_and_passwords() {
    assert!(check_name("  ").is_some());
    assert!(check_name(&"x".repeat(NAME_MAX + 1)).is_some());
    assert_eq!(check_name("Dana"), None);
    assert_eq!(check_email(" dana@example.com "), None);
    for bad in ["", "dana", "@example.com", "dana@", "da na@example.com", "a@b@c"] {
        assert!(check_email(bad).is_some(), "{bad}");
    }
    assert!(check_password("short7!").is_some());
    assert_eq!(check_password("eight888"), None);
    assert!(check_confirmation("eight888", "eight889").is_some());
    assert_eq!(check_confirmation("eight888", "eight888"), None);
}

#[test]
fn urls_need_a_scheme_and_a_rest() {
    assert_eq!(check_url("https://hooks.slack.com/x"), None);
    assert_eq!(check_url("http://127.0.0.1:9000/hook"), None);
    for bad in ["", "hooks.slack.com", "https://", "ftp://x", "https://a b"] {
        assert!(check_url(bad).is_some(), "{bad}");
    }
    assert_eq!(check_optional_url("  "), None);
}

#[test]
fn durations_read_in_their_unit_and_respect_the_range() {
    assert_eq!(
        DurationInput::from_secs(120),
        DurationInput {
            text: "2".into(),
            unit: Unit::Minutes
        }
    );
    assert_eq!(
        DurationInput::from_secs(45),
        DurationInput {
            text: "45".into(),
            unit: Unit::Seconds
        }
    );
    assert_eq!(DurationInput::from_secs(90).unit, Unit::Seconds);
    let input = |text: &str, unit| DurationInput {
        text: text.into(),
        unit,
    };
    assert_eq!(input("2", Unit::Minutes).secs(WINDOW_SECS), Ok(120));
    assert_eq!(input(" 15 ", Unit::Seconds).secs(WINDOW_SECS), Ok(15));
    assert_eq!(input("60", Unit::Minutes).secs(WINDOW_SECS), Ok(3600));
    assert_eq!(
        input("14", Unit::Seconds).secs(WINDOW_SECS),
        Err("Choose between 15 s and 1 h.".into())
    );
    assert!(input("61", Unit::Minutes).secs(WINDOW_SECS).is_err());
    assert!(input("1.5", Unit::Minutes).secs(WINDOW_SECS).is_err());
    assert!(input("", Unit::Seconds).secs(WINDOW_SECS).is_err());
    assert!(input("99999999", Unit::Minutes).secs(WINDOW_SECS).is_err());
    assert!(input("29", Unit::Seconds).secs(OWNER_GONE_SECS).is_err());
    assert_eq!(Unit::parse(Unit::Minutes.value()), Unit::Minutes);
    assert_eq!(Unit::parse("nonsense"), Unit::Seconds);
}

#[test]
fn short_durations() {
    assert_eq!(short_duration(45), "45 s");
    assert_eq!(short_duration(120), "2 min");
    assert_eq!(short_duration(90), "1 min 30 s");
    assert_eq!(short_duration(3600), "1 h");
    assert_eq!(short_duration(5400), "1 h 30 min");
}

#[test]
fn an_untouched_bot_form_saves_what_it_loaded() {
    let base = settings();
    let form = BotForm::from_settings(&base);
    assert_eq!(form.errors(), BotErrors::default());
    assert_eq!(form.apply(&base), Ok(base.clone()));
    assert_eq!(form, BotForm::from_settings(&form.apply(&base).expect("valid")));
}

#[test]
fn the_bot_form_mirrors_the_servers_ranges() {
    let base = settings();
    let mut form = BotForm::from_settings(&base);
    form.button_label = "x".repeat(LABEL_MAX + 1);
    form.offline_message = "y".repeat(OFFLINE_MAX + 1);
    form.window = DurationInput {
        text: "90".into(),
        unit: Unit::Minutes,
    };
    form.colour = "#12345".into();
    form.avatar_url = "avatar.png".into();
    form.owner_gone = DurationInput {
        text: "10".into(),
        unit: Unit::Seconds,
    };
    let errors = form.apply(&base).expect_err("all wrong");
    assert!(errors.button_label.as_deref().is_some_and(|e| e.contains("41 now")));
    assert!(errors.offline_message.is_some());
    assert!(errors.window.is_some());
    assert!(errors.colour.is_some());
    assert!(errors.avatar_url.is_some());
    assert!(errors.owner_gone.is_some());

    let mut form = BotForm::from_settings(&base);
    form.button_label = "   ".into();
    assert!(form.errors().button_label.is_some());
    form.button_label = "x".repeat(LABEL_MAX);
    assert_eq!(form.errors().button_label, None);
}

#[test]
fn the_bot_form_writes_mode_colour_and_durations() {
    let base = settings();
    let mut form = BotForm::from_settings(&base);
    form.human_only = true;
    form.colour = " #0b7a75 ".into();
    form.window = DurationInput {
        text: "30".into(),
        unit: Unit::Seconds,
    };
    form.button_label = "  Ask us  ".into();
    let saved = form.apply(&base).expect("valid");
    assert_eq!(saved.mode, "human_only");
    assert_eq!(saved.operator_colour.as_deref(), Some("#0b7a75"));
    assert_eq!(saved.response_window_secs, 30);
    assert_eq!(saved.button_label, "Ask us");
    assert_ne!(BotForm::from_settings(&saved), BotForm::from_settings(&base));

    form.human_only = false;
    assert_eq!(form.apply(&base).expect("valid").mode, "assisted");
    let mut newer = base.clone();
    newer.mode = "later_mode".into();
    assert_eq!(
        BotForm::from_settings(&newer).apply(&newer).expect("valid").mode,
        "later_mode"
    );
}

#[test]
fn auto_away_is_off_or_minutes_in_range() {
    assert_eq!(AutoAwayForm::from_minutes(None).minutes(), Ok(None));
    assert_eq!(AutoAwayForm::from_minutes(Some(10)).minutes(), Ok(Some(10)));
    let form = |minutes: &str| AutoAwayForm {
        on: true,
        minutes: minutes.into(),
    };
    assert!(form("0").minutes().is_err());
    assert!(form("481").minutes().is_err());
    assert!(form("ten").minutes().is_err());
    assert_eq!(
        AutoAwayForm {
            on: false,
            minutes: "ten".into()
        }
        .minutes(),
        Ok(None)
    );
}

#[test]
fn channel_forms_ask_for_what_their_kind_needs() {
    let mut slack = ChannelForm::new("slack");
    slack.name = "Support".into();
    assert!(slack.errors().url.is_some());
    slack.url = "https://hooks.slack.com/services/x".into();
    let request = slack.request().expect("valid");
    assert_eq!(request.url.as_deref(), Some("https://hooks.slack.com/services/x"));
    assert_eq!(request.chat_id, None);
    slack.events.clear();
    assert!(slack.errors().events.is_some());

    let mut email = ChannelForm::new("email");
    email.name = "Leads".into();
    email.recipients = "a@b.co; c@d.co\ne@f.co".into();
    assert_eq!(
        email.request().expect("valid").recipients,
        ["a@b.co", "c@d.co", "e@f.co"]
    );
    email.recipients = "a@b.co, nope".into();
    assert_eq!(
        email.errors().recipients.as_deref(),
        Some("“nope” is not an email address.")
    );
    email.recipients = " ".into();
    assert!(email.errors().recipients.is_some());
}

#[test]
fn the_telegram_token_is_required_once_then_only_replaced() {
    let mut new = ChannelForm::new("telegram");
    new.name = "Ops".into();
    new.chat_id = "-100".into();
    assert!(new.errors().token.is_some());
    new.token = Some(" 123:abc ".into());
    assert_eq!(new.request().expect("valid").bot_token.as_deref(), Some("123:abc"));

    let channel = crate::pages::model::Channel {
        id: "ch-1".into(),
        kind: "telegram".into(),
        name: "Ops".into(),
        url: None,
        chat_id: Some("-100".into()),
        bot_token_set: true,
        recipients: vec![],
        events: vec!["new_chat".into()],
        enabled: true,
    };
    let mut editing = ChannelForm::from_channel(&channel);
    let request = editing.request().expect("the stored token stays");
    assert_eq!(request.bot_token, None);
    editing.token = Some(String::new());
    assert!(editing.errors().token.is_some());
}

#[test]
fn generated_passwords_use_the_unambiguous_alphabet() {
    let bytes: Vec<u8> = (0..=255).collect();
    let password = password_from_bytes(&bytes).expect("enough bytes");
    assert_eq!(password.chars().count(), GENERATED_LEN);
    assert!(
        password
            .chars()
            .all(|c| c.is_ascii_alphanumeric() && !"0O1lI".contains(c))
    );
    assert!(check_password(&password).is_none());
    // Bytes past the last whole multiple of the alphabet are skipped.
    assert_eq!(password_from_bytes(&[255; 64]), None);
    assert_ne!(password_from_bytes(&[1; 16]), password_from_bytes(&[2; 16]));
}

#[test]
fn refusals_read_as_sentences() {
    assert_eq!(
        error_text(409, Some("email_taken"), Some("that email is taken")),
        "That email is taken"
    );
    assert_eq!(error_text(409, Some("email_taken"), None), "Email taken");
    assert_eq!(error_text(403, Some("forbidden"), None), "Only an admin can do that.");
    assert_eq!(
        error_text(401, None, None),
        "Your session ended. Sign in again to continue."
    );
    assert_eq!(
        error_text(0, None, None),
        "Could not reach the server. Check your connection and try again."
    );
    assert_eq!(error_text(500, None, Some("  ")), "The server refused (500).");
}
