//! Latency samples and their percentiles. A sorted Vec, not an HDR
//! histogram: a phase collects at most a few hundred thousand samples, so
//! sorting them once is cheap and the percentiles are exact — no new
//! dependency needed.

/// Latency samples in microseconds.
#[derive(Debug, Default, Clone)]
pub struct Samples(Vec<u64>);

/// What a phase reports about its latencies, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub count: usize,
    pub p50: u64,
    pub p99: u64,
    pub max: u64,
}

impl Samples {
    pub fn push(&mut self, micros: u64) {
        self.0.push(micros);
    }

    pub fn extend(&mut self, other: Samples) {
        self.0.extend(other.0);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn summary(mut self) -> Summary {
        self.0.sort_unstable();
        Summary {
            count: self.0.len(),
            p50: percentile(&self.0, 50.0),
            p99: percentile(&self.0, 99.0),
            max: self.0.last().copied().unwrap_or(0),
        }
    }
}

/// The nearest-rank percentile of sorted samples (0 when there are none):
/// the smallest sample that at least `p`% of the samples do not exceed.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl Summary {
    /// `key=value` pairs for the result line the xtask parses.
    pub fn fields(&self, prefix: &str) -> String {
        format!(
            "{prefix}count={} {prefix}p50_us={} {prefix}p99_us={} {prefix}max_us={}",
            self.count, self.p50, self.p99, self.max
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let sorted: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&sorted, 50.0), 50);
        assert_eq!(percentile(&sorted, 99.0), 99);
        assert_eq!(percentile(&sorted, 100.0), 100);
        assert_eq!(percentile(&sorted, 0.0), 1);
        assert_eq!(percentile(&[7], 99.0), 7);
        assert_eq!(percentile(&[], 50.0), 0);
        // Ten samples: p99 is the largest, p50 the fifth.
        let ten: Vec<u64> = (10..20).collect();
        assert_eq!((percentile(&ten, 50.0), percentile(&ten, 99.0)), (14, 19));
    }

    #[test]
    fn a_summary_sorts_its_samples_and_reports_the_tail() {
        let mut s = Samples::default();
        for v in [900, 5, 3, 1_000_000, 4, 2, 1, 6, 8, 7] {
            s.push(v);
        }
        let mut more = Samples::default();
        more.push(10);
        s.extend(more);
        assert_eq!(s.len(), 11);
        let sum = s.summary();
        assert_eq!(
            sum,
            Summary {
                count: 11,
                p50: 6,
                p99: 1_000_000,
                max: 1_000_000
            }
        );
        assert_eq!(
            sum.fields("x_"),
            "x_count=11 x_p50_us=6 x_p99_us=1000000 x_max_us=1000000"
        );
    }
}
