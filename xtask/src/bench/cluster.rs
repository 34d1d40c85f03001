//! The benchmark's scale-out tables (issue 13): two Baton processes on
//! PostgreSQL + NATS beside one on SQLite and beside the raw echo, all
//! measured in the same run.

use super::summary::{self, Row, num};
use super::{Measured, Options};

/// One figure of a measurement, for the scale-out tables.
#[derive(Debug, Clone, Copy)]
enum Figure {
    /// A number of the load client's result line of a phase (0: the
    /// closed loop, then one per rate), in its unit.
    Count(usize, &'static str),
    /// The same, microseconds shown as milliseconds.
    Millis(usize, &'static str),
    /// Server CPU per acked message in the closed loop.
    Cpu,
}

impl Figure {
    fn of(self, m: &Measured) -> Option<f64> {
        let get = |phase: usize, key: &str| m.results.get(phase).and_then(|f| num(f, key));
        match self {
            Figure::Count(phase, key) => get(phase, key),
            Figure::Millis(phase, key) => get(phase, key).map(|us| us / 1000.0),
            Figure::Cpu => m.closed_cpu_us_per_msg,
        }
    }
}

/// Two processes on PostgreSQL + NATS beside one on SQLite, from the same
/// run; then the same two-process figures beside the raw echo.
pub fn report(o: &Options, one: &Measured, two: &Measured, raw: &Measured) -> String {
    let label = format!("closed loop ({} in flight)", o.inflight);
    let mut figures = vec![
        (format!("{label}: acked msg/s"), Figure::Count(0, "per_sec"), 0),
        (format!("{label}: server CPU per acked msg (µs)"), Figure::Cpu, 1),
        (format!("{label}: ack p99 (ms)"), Figure::Millis(0, "ack_p99_us"), 2),
    ];
    for (i, rate) in o.rates.iter().enumerate() {
        for (key, name) in [("lat_p50_us", "p50"), ("lat_p99_us", "p99")] {
            figures.push((
                format!("operator→visitor at {rate}/s: {name} (ms)"),
                Figure::Millis(i + 1, key),
                2,
            ));
        }
        for key in ["lost", "disconnected"] {
            figures.push((
                format!("operator→visitor at {rate}/s: {key}"),
                Figure::Count(i + 1, key),
                0,
            ));
        }
    }
    let rows = |other: &Measured, counts: bool| -> Vec<Row> {
        figures
            .iter()
            .filter(|(_, f, _)| counts || !matches!(f, Figure::Count(phase, _) if *phase > 0))
            .map(|(label, f, decimals)| Row::new(label.clone(), f.of(two), f.of(other), *decimals))
            .collect()
    };
    let sections: Vec<(String, Vec<String>)> = two
        .time
        .iter()
        .map(|(phase, lines)| {
            (
                format!("Where the time goes (process 1's /metrics), {phase}"),
                lines.clone(),
            )
        })
        .collect();
    let mut text = String::from("\n");
    text.push_str(&summary::table_of(
        "Scale-out: two Baton processes on one PostgreSQL database and a NATS bus (visitors on process 1,\n\
         the operator on process 2: each operator message is committed, hinted and read back across\n\
         processes; CPU counts both) vs one process on SQLite, same load client, same run",
        ["2 × PG+NATS", "1 × SQLite", "2/1"],
        &rows(one, true),
        &sections,
    ));
    text.push('\n');
    text.push_str(&summary::table_of(
        "The same two-process figures vs the raw echo",
        ["2 × PG+NATS", "raw echo", "2/raw"],
        &rows(raw, false),
        &[],
    ));
    text
}
