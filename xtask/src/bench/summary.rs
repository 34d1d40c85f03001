//! The benchmark's figures and the one table it prints (and writes to
//! target/bench/summary.txt), Baton beside the raw baseline of the same run.

use std::collections::BTreeMap;
use std::fmt::Write;

/// The `key=value` words of a load-client line.
pub fn fields(line: &str) -> BTreeMap<String, String> {
    line.split_whitespace()
        .filter_map(|w| w.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// A number from a load-client line.
pub fn num(fields: &BTreeMap<String, String>, key: &str) -> Option<f64> {
    fields.get(key)?.parse().ok()
}

/// One row: a figure for Baton and for the raw echo (either may be missing).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub label: String,
    pub baton: Option<f64>,
    pub raw: Option<f64>,
    /// Decimals to show.
    pub decimals: usize,
}

impl Row {
    pub fn new(label: impl Into<String>, baton: Option<f64>, raw: Option<f64>, decimals: usize) -> Row {
        Row {
            label: label.into(),
            baton,
            raw,
            decimals,
        }
    }
}

fn cell(value: Option<f64>, decimals: usize) -> String {
    match value {
        Some(v) => format!("{v:.decimals$}"),
        None => "–".into(),
    }
}

/// Baton ÷ raw, as `0.034×` or `8.0×` (two significant figures).
pub fn ratio(baton: Option<f64>, raw: Option<f64>) -> String {
    match (baton, raw) {
        (Some(b), Some(r)) if r > 0.0 => {
            let x = b / r;
            let decimals = if x >= 10.0 {
                0
            } else if x >= 1.0 {
                1
            } else {
                (1.0 - x.log10().floor()).max(2.0) as usize
            };
            format!("{x:.decimals$}×")
        }
        _ => "–".into(),
    }
}

/// The table: a title, the rows, then free-form sections (heading, lines).
pub fn table(title: &str, rows: &[Row], sections: &[(String, Vec<String>)]) -> String {
    table_of(title, ["Baton", "raw echo", "Baton/raw"], rows, sections)
}

/// [`table`] with other column headings: the row's two figures and their
/// ratio.
pub fn table_of(title: &str, headings: [&str; 3], rows: &[Row], sections: &[(String, Vec<String>)]) -> String {
    let width = rows.iter().map(|r| r.label.chars().count()).max().unwrap_or(0).max(6);
    let mut out = String::new();
    let _ = writeln!(out, "{title}");
    let [first, second, ratio_heading] = headings;
    let _ = writeln!(
        out,
        "{:<width$}  {:>12}  {:>12}  {:>9}",
        "", first, second, ratio_heading
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{:<width$}  {:>12}  {:>12}  {:>9}",
            r.label,
            cell(r.baton, r.decimals),
            cell(r.raw, r.decimals),
            ratio(r.baton, r.raw)
        );
    }
    for (heading, lines) in sections {
        let _ = writeln!(out, "\n{heading}");
        for line in lines {
            let _ = writeln!(out, "  {line}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_lines_become_fields() {
        let f = fields("result phase=open rate=2000 lat_p99_us=2400 disconnected=0");
        assert_eq!(f.get("phase").map(String::as_str), Some("open"));
        assert_eq!(num(&f, "lat_p99_us"), Some(2400.0));
        assert_eq!(num(&f, "phase"), None);
        assert_eq!(num(&f, "missing"), None);
    }

    #[test]
    fn ratios_keep_two_significant_figures() {
        assert_eq!(ratio(Some(6_500.0), Some(190_000.0)), "0.034×");
        assert_eq!(ratio(Some(24.0), Some(3.0)), "8.0×");
        assert_eq!(ratio(Some(130.0), Some(10.0)), "13×");
        assert_eq!(ratio(Some(0.5), Some(1.0)), "0.50×");
        assert_eq!(ratio(Some(1.0), None), "–");
        assert_eq!(ratio(Some(1.0), Some(0.0)), "–");
    }

    #[test]
    fn the_table_lines_up_and_shows_missing_figures() {
        let rows = [
            Row::new("acked messages/s", Some(6512.4), Some(190_000.0), 0),
            Row::new("widget KB", Some(84.2), None, 1),
        ];
        let sections = [("Where the time goes".to_owned(), vec!["store: 1/s".to_owned()])];
        let text = table("Bench", &rows, &sections);
        let expected = "Bench
                         Baton      raw echo  Baton/raw
acked messages/s          6512        190000     0.034×
widget KB                 84.2             –          –

Where the time goes
  store: 1/s
";
        assert_eq!(text, expected);
    }
}
