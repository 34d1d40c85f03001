//! What the benchmark reads of a process from /proc: resident memory and
//! CPU time.

use crate::Result;

/// `VmRSS` in KiB from the text of /proc/<pid>/status.
pub fn rss_kib_of(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// utime + stime, in clock ticks, from the text of /proc/<pid>/stat. The
/// command name (field 2) may hold spaces and parentheses, so the fields
/// are counted from after its last `)`: state is field 3, utime 14, stime 15.
pub fn cpu_ticks_of(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(14 - 3)?.parse().ok()?;
    let stime: u64 = fields.get(15 - 3)?.parse().ok()?;
    Some(utime + stime)
}

pub fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    rss_kib_of(&status).ok_or_else(|| "no VmRSS".into())
}

pub fn cpu_ticks(pid: u32) -> Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| e.to_string())?;
    cpu_ticks_of(&stat).ok_or_else(|| format!("cannot read /proc/{pid}/stat"))
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on every Linux we know).
pub fn ticks_per_sec() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_from_status() {
        let status = "Name:\tbaton-server\nVmPeak:\t  99999 kB\nVmRSS:\t   12345 kB\nRssAnon:\t 1 kB\n";
        assert_eq!(rss_kib_of(status), Some(12_345));
        assert_eq!(rss_kib_of("Name:\tx\n"), None);
    }

    #[test]
    fn cpu_from_stat_even_with_a_strange_command_name() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt
        // majflt cmajflt utime stime …
        let stat = "4242 (tokio (rt) x) S 1 4242 4242 0 -1 4194560 900 0 3 0 250 75 0 0 20 0 5 0";
        assert_eq!(cpu_ticks_of(stat), Some(325));
        assert_eq!(cpu_ticks_of("4242 (short) S 1"), None);
    }
}
