use super::*;

#[test]
fn arabic_plural_follows_cldr() {
    let cases = [
        (0, Plural::Zero),
        (1, Plural::One),
        (2, Plural::Two),
        (3, Plural::Few),
        (10, Plural::Few),
        (11, Plural::Many),
        (99, Plural::Many),
        (100, Plural::Other),
        (101, Plural::Other),
        (102, Plural::Other),
        (103, Plural::Few),
        (111, Plural::Many),
    ];
    for (n, want) in cases {
        assert_eq!(plural_ar(n), want, "n = {n}");
    }
}

#[test]
fn counted_phrases_pick_the_form() {
    let m = &AR.minutes_ago;
    assert_eq!(count_in(Lang::Ar, m, 1), "منذ دقيقة");
    assert_eq!(count_in(Lang::Ar, m, 2), "منذ دقيقتين");
    assert_eq!(count_in(Lang::Ar, m, 3), "منذ 3 دقائق");
    assert_eq!(count_in(Lang::Ar, m, 11), "منذ 11 دقيقة");
    assert_eq!(count_in(Lang::Ar, &AR.waiting_count, 0), "لا أحد ينتظر");
    assert_eq!(count_in(Lang::Ar, &AR.waiting_count, 101), "101 شخص ينتظرون");
    assert_eq!(count_in(Lang::En, &EN.minutes_ago, 1), "1 min ago");
    assert_eq!(count_in(Lang::En, &EN.minutes_ago, 0), "0 min ago");
    assert_eq!(count_in(Lang::En, &EN.notes_count, 2), "2 notes");
}

#[test]
fn every_string_is_filled_in_both_languages() {
    for strings in [&EN, &AR] {
        for (key, text) in strings.texts() {
            assert!(!text.trim().is_empty(), "{}: {key} is empty", strings.lang);
        }
    }
    // Arabic is a translation, not a copy: only the brand and pure
    // punctuation templates may match.
    let same: Vec<_> = EN
        .texts()
        .into_iter()
        .zip(AR.texts())
        .filter(|((_, en), (_, ar))| en == ar)
        .map(|((key, _), _)| key)
        .collect();
    assert_eq!(same, ["brand", "named_error"]);
}

#[test]
fn templates_keep_their_placeholders_in_translation() {
    for ((key, en), (_, ar)) in EN.texts().into_iter().zip(AR.texts()) {
        for i in 0..3 {
            let slot = format!("{{{i}}}");
            assert_eq!(en.contains(&slot), ar.contains(&slot), "{key}: {slot}");
        }
    }
}

#[test]
fn fill_replaces_numbered_slots_once() {
    assert_eq!(fill("{0} took over from {1}", &["Ann", "Bo"]), "Ann took over from Bo");
    assert_eq!(fill("{0} joined", &["{1}"]), "{1} joined");
    assert_eq!(fill("{visitor_name} {0}", &["x"]), "{visitor_name} x");
    assert_eq!(fill("{0", &["x"]), "{0");
}

#[test]
fn language_choice_prefers_stored_then_browser_then_english() {
    let browser = |tags: &[&str]| tags.iter().map(|t| t.to_string()).collect::<Vec<_>>();
    assert_eq!(choose(Some("ar"), &browser(&["en-US"])), Lang::Ar);
    assert_eq!(choose(Some("en"), &browser(&["ar-EG"])), Lang::En);
    assert_eq!(choose(None, &browser(&["fr-FR", "ar-EG"])), Lang::Ar);
    assert_eq!(choose(Some("xx"), &browser(&["de"])), Lang::En);
    assert_eq!(choose(None, &[]), Lang::En);
}
