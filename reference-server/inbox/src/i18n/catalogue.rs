//! The catalogue: one row per string, `key: "English" => "Arabic"`, and
//! counted phrases as `key: Forms(English) => Forms(Arabic)`. `{0}`, `{1}`
//! are filled by `i18n::fill`.
//!
//! The rows live by area in [`shell`], [`conversation`], [`pages`] and
//! [`followup`]. Each
//! area is a macro that appends its rows to the ones gathered so far and
//! hands them on to the next macro in the list; the last, `all_texts`, adds
//! the counted phrases and makes the one [`Strings`] table. Every row of
//! every area goes through the `catalogue!` pattern, so a row without its
//! Arabic side still does not compile.

use super::Forms;

#[macro_use]
mod shell;
#[macro_use]
mod conversation;
#[macro_use]
mod pages;
#[macro_use]
mod followup;

macro_rules! catalogue {
    (
        texts { $( $(#[$doc:meta])* $key:ident : $en:literal => $ar:literal, )* }
        counts { $( $(#[$cdoc:meta])* $ckey:ident : $cen:expr => $car:expr, )* }
    ) => {
        #[derive(Debug)]
        pub struct Strings {
            /// BCP 47 tag and writing direction of this table.
            pub lang: &'static str,
            pub rtl: bool,
            $( $(#[$doc])* pub $key: &'static str, )*
            $( $(#[$cdoc])* pub $ckey: Forms, )*
        }

        pub const EN: Strings = Strings { lang: "en", rtl: false, $( $key: $en, )* $( $ckey: $cen, )* };
        pub const AR: Strings = Strings { lang: "ar", rtl: true, $( $key: $ar, )* $( $ckey: $car, )* };

        impl Strings {
            /// Every plain string with its key, for the completeness test.
            pub fn texts(&self) -> Vec<(&'static str, &'static str)> {
                vec![$( (stringify!($key), self.$key), )*]
            }
        }
    };
}

/// Arabic forms: zero, one, two, few (3–10), many (11–99), other (100+).
const fn ar(
    zero: &'static str,
    one: &'static str,
    two: &'static str,
    few: &'static str,
    many: &'static str,
    other: &'static str,
) -> Forms {
    Forms {
        zero,
        one,
        two,
        few,
        many,
        other,
    }
}

/// The end of the chain: every area's rows, plus the counted phrases.
macro_rules! all_texts {
    ([] $($rows:tt)*) => {
        catalogue! {
            texts { $($rows)* }
            counts {
                /// Relative times.
                minutes_ago: Forms::en("1 min ago", "{0} min ago")
                    => ar("الآن", "منذ دقيقة", "منذ دقيقتين", "منذ {0} دقائق", "منذ {0} دقيقة", "منذ {0} دقيقة"),
                hours_ago: Forms::en("1 h ago", "{0} h ago")
                    => ar("الآن", "منذ ساعة", "منذ ساعتين", "منذ {0} ساعات", "منذ {0} ساعة", "منذ {0} ساعة"),
                days_ago: Forms::en("1 d ago", "{0} d ago")
                    => ar("اليوم", "منذ يوم", "منذ يومين", "منذ {0} أيام", "منذ {0} يومًا", "منذ {0} يوم"),
                /// The sidebar's count of waiting requests, read aloud.
                waiting_count: Forms::en("1 waiting", "{0} waiting")
                    => ar("لا أحد ينتظر", "شخص واحد ينتظر", "شخصان ينتظران", "{0} أشخاص ينتظرون", "{0} شخصًا ينتظرون", "{0} شخص ينتظرون"),
                unread_count: Forms::en("1 unread", "{0} unread")
                    => ar("لا رسائل غير مقروءة", "رسالة غير مقروءة", "رسالتان غير مقروءتين", "{0} رسائل غير مقروءة", "{0} رسالة غير مقروءة", "{0} رسالة غير مقروءة"),
                recipients_count: Forms::en("1 recipient", "{0} recipients")
                    => ar("لا مستلمين", "مستلم واحد", "مستلمان", "{0} مستلمين", "{0} مستلمًا", "{0} مستلم"),
                notes_count: Forms::en("1 note", "{0} notes")
                    => ar("لا ملاحظات", "ملاحظة واحدة", "ملاحظتان", "{0} ملاحظات", "{0} ملاحظة", "{0} ملاحظة"),
                /// How many ratings an average is made of (the Team page).
                ratings_count: Forms::en("1 rating", "{0} ratings")
                    => ar("لا تقييمات", "تقييم واحد", "تقييمان", "{0} تقييمات", "{0} تقييمًا", "{0} تقييم"),
            }
        }
    };
}

shell_texts!([conversation_texts, pages_texts, followup_texts, all_texts]);
