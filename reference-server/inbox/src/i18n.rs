//! Every string the operator sees, per language: English and Arabic ship.
//!
//! The catalogue ([`catalogue`]) is one table of `key: "English" => "Arabic"`
//! rows; a macro makes it a struct, so a row without its Arabic side does
//! not compile. Phrases with a name or a number are templates: `{0}`, `{1}`
//! are filled by [`fill`]; counted nouns ([`Forms`]) pick their plural form
//! by the language's rule ([`plural_category`], CLDR: Arabic has six).
//!
//! The language is chosen once, at start ([`choose`]): the picker's choice
//! stored in `localStorage`, else the browser's language, else English.
//! Switching stores the choice and reloads the page (the socket reconnects
//! and the inbox is back where it was within a second).

mod catalogue;
#[cfg(test)]
mod tests;

pub use catalogue::{AR, EN, Strings};
use std::sync::atomic::{AtomicU8, Ordering};

/// A language the inbox ships.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Ar,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ar];

    /// The BCP 47 tag, stored and set on `<html lang>`.
    pub fn tag(self) -> &'static str {
        self.strings().lang
    }

    pub fn strings(self) -> &'static Strings {
        match self {
            Lang::En => &EN,
            Lang::Ar => &AR,
        }
    }

    /// The language's own name, as the picker lists it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ar => "العربية",
        }
    }

    /// A tag such as "ar", "ar-EG" or "en-GB"; `None` for languages the
    /// inbox does not ship.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.tag() == primary)
    }
}

/// The stored choice wins, then the browser's languages in order; English
/// when none is shipped.
pub fn choose(stored: Option<&str>, browser: &[String]) -> Lang {
    stored
        .and_then(Lang::from_tag)
        .or_else(|| browser.iter().find_map(|t| Lang::from_tag(t)))
        .unwrap_or(Lang::En)
}

static CURRENT: AtomicU8 = AtomicU8::new(0);

/// Makes `lang` the one [`t`] answers with.
pub fn set(lang: Lang) {
    CURRENT.store(if lang == Lang::Ar { 1 } else { 0 }, Ordering::Relaxed);
}

pub fn current() -> Lang {
    if CURRENT.load(Ordering::Relaxed) == 1 {
        Lang::Ar
    } else {
        Lang::En
    }
}

/// The strings of the current language.
pub fn t() -> &'static Strings {
    current().strings()
}

/// CLDR plural categories.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plural {
    Zero,
    One,
    Two,
    Few,
    Many,
    Other,
}

/// English: one for 1, other otherwise.
pub fn plural_en(n: u64) -> Plural {
    if n == 1 { Plural::One } else { Plural::Other }
}

/// Arabic (CLDR): zero 0; one 1; two 2; few when n % 100 is 3–10; many
/// when n % 100 is 11–99; other for the rest (100, 101, 102…).
pub fn plural_ar(n: u64) -> Plural {
    match (n, n % 100) {
        (0, _) => Plural::Zero,
        (1, _) => Plural::One,
        (2, _) => Plural::Two,
        (_, 3..=10) => Plural::Few,
        (_, 11..=99) => Plural::Many,
        _ => Plural::Other,
    }
}

pub fn plural_category(lang: Lang, n: u64) -> Plural {
    match lang {
        Lang::En => plural_en(n),
        Lang::Ar => plural_ar(n),
    }
}

/// A counted phrase in the six CLDR forms, `{0}` for the number. English
/// fills only `one` and `other`; the rest repeat `other`.
#[derive(Debug)]
pub struct Forms {
    pub zero: &'static str,
    pub one: &'static str,
    pub two: &'static str,
    pub few: &'static str,
    pub many: &'static str,
    pub other: &'static str,
}

impl Forms {
    /// English: a singular and a plural.
    pub const fn en(one: &'static str, other: &'static str) -> Forms {
        Forms {
            zero: other,
            one,
            two: other,
            few: other,
            many: other,
            other,
        }
    }

    pub fn pick(&self, category: Plural) -> &'static str {
        match category {
            Plural::Zero => self.zero,
            Plural::One => self.one,
            Plural::Two => self.two,
            Plural::Few => self.few,
            Plural::Many => self.many,
            Plural::Other => self.other,
        }
    }
}

/// `forms` for `n` in the current language, the number filled in.
pub fn count(forms: &Forms, n: u64) -> String {
    count_in(current(), forms, n)
}

pub fn count_in(lang: Lang, forms: &Forms, n: u64) -> String {
    fill(forms.pick(plural_category(lang, n)), &[&n.to_string()])
}

/// A template with `{0}`, `{1}`… replaced by `args`. Arguments are not
/// scanned again, so a name containing "{1}" stays as written.
pub fn fill(template: &str, args: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after
            .find('}')
            .and_then(|close| Some((close, after[..close].parse::<usize>().ok()?)))
        {
            Some((close, i)) if i < args.len() => {
                out.push_str(args[i]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}
