//! "Where the time goes": Baton's /metrics scraped around each phase. Every
//! histogram in seconds is reported (today the store append; a lock-wait or
//! fan-out histogram added later shows up without changing this), as its
//! count per second, mean, and share of wall time — the sum of the observed
//! seconds over the phase's length (above 100% means overlapping work).

use std::collections::BTreeMap;
use std::io::{Read, Write};

pub type Scrape = BTreeMap<String, f64>;

/// `GET /metrics` over a plain socket (no HTTP client dependency).
pub fn scrape(port: u16) -> Option<Scrape> {
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(10))).ok()?;
    tcp.write_all(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .ok()?;
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).ok()?;
    Some(parse(answer.split_once("\r\n\r\n")?.1))
}

/// Each sample line `name{labels} value` as `name{labels}` → value.
pub fn parse(text: &str) -> Scrape {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (name, value) = l.rsplit_once(' ')?;
            Some((name.trim().to_owned(), value.trim().parse().ok()?))
        })
        .collect()
}

/// One line per histogram in seconds that saw observations between the two
/// scrapes.
pub fn where_time_goes(before: &Scrape, after: &Scrape, secs: f64) -> Vec<String> {
    let delta = |key: &str| after.get(key).copied().unwrap_or(0.0) - before.get(key).copied().unwrap_or(0.0);
    let mut lines = Vec::new();
    for key in after.keys() {
        let Some(name) = key.strip_suffix("_seconds_sum") else {
            continue;
        };
        let count = delta(&format!("{name}_seconds_count"));
        if count <= 0.0 {
            continue;
        }
        let sum = delta(key);
        lines.push(format!(
            "{name}: {:.0}/s, mean {:.0} µs, {:.0}% of wall time",
            count / secs,
            sum / count * 1e6,
            sum / secs * 100.0
        ));
    }
    for (key, value) in after {
        let lock_counter = key.contains("lock") && !key.contains("_seconds");
        if lock_counter {
            lines.push(format!("{key}: +{}", value - before.get(key).copied().unwrap_or(0.0)));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "# HELP baton_store_append_seconds Time to store an input's events.
# TYPE baton_store_append_seconds histogram
baton_store_append_seconds_sum 1.0
baton_store_append_seconds_count 100
baton_store_append_seconds_bucket{le=\"0.00005\"} 3
baton_messages_total{kind=\"visitor\"} 100
# EOF
";

    #[test]
    fn histograms_in_seconds_are_reported_per_phase() {
        let before = parse(BEFORE);
        assert_eq!(before.get("baton_messages_total{kind=\"visitor\"}"), Some(&100.0));
        assert_eq!(
            before.get("baton_store_append_seconds_bucket{le=\"0.00005\"}"),
            Some(&3.0)
        );
        let after = parse(
            "baton_store_append_seconds_sum 2.5\nbaton_store_append_seconds_count 3100\n\
             baton_hub_lock_wait_seconds_sum 0.5\nbaton_hub_lock_wait_seconds_count 1000\n",
        );
        let lines = where_time_goes(&before, &after, 2.0);
        assert_eq!(
            lines,
            vec![
                "baton_hub_lock_wait: 500/s, mean 500 µs, 25% of wall time".to_owned(),
                "baton_store_append: 1500/s, mean 500 µs, 75% of wall time".to_owned(),
            ]
        );
        assert!(where_time_goes(&before, &before, 2.0).is_empty(), "nothing observed");
    }
}
