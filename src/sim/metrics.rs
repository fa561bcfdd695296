//! What a run measures: latency histograms with percentiles, named counters, and
//! time series in fixed windows.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;

use crate::error::{Error, Result, positive};
use crate::report::{Table, ToTable};

/// Latencies are stored in whole microseconds.
const UNITS_PER_SECOND: f64 = 1e6;

/// A latency histogram (values in seconds) with an exact count, mean, min and max, and
/// percentiles at a bounded relative error (0.1 % by default: 3 significant digits,
/// HdrHistogram; values are resolved to 1 µs).
#[derive(Debug, Clone)]
pub struct LatencyHistogram {
    hist: Histogram<u64>,
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistogram {
    /// An empty histogram with 3 significant digits (relative error ≤ 0.1 %).
    pub fn new() -> Self {
        Self::with_digits(3)
    }

    /// An empty histogram keeping `digits` (1–5) significant digits: 2 uses about a tenth
    /// of the memory of 3, for histograms kept per time window.
    pub fn with_digits(digits: u8) -> Self {
        let hist = Histogram::new(digits.clamp(1, 5)).expect("1–5 significant digits are valid");
        LatencyHistogram {
            hist,
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Records one latency in seconds (negative or NaN values are recorded as 0).
    #[inline]
    pub fn record(&mut self, seconds: f64) {
        let s = if seconds > 0.0 { seconds } else { 0.0 };
        let units = (s * UNITS_PER_SECOND).round() as u64;
        // Auto-resizing histograms accept any u64.
        let _ = self.hist.record(units);
        self.count += 1;
        self.sum += s;
        self.min = self.min.min(s);
        self.max = self.max.max(s);
    }

    /// Adds every value recorded in `other`.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        // Both auto-resize, so the addition cannot run out of range.
        let _ = self.hist.add(&other.hist);
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// How many values were recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The exact mean (NaN if empty).
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            f64::NAN
        } else {
            self.sum / self.count as f64
        }
    }

    /// The exact sum of the recorded values, in seconds.
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// The smallest value (NaN if empty).
    pub fn min(&self) -> f64 {
        if self.count == 0 { f64::NAN } else { self.min }
    }

    /// The largest value (NaN if empty).
    pub fn max(&self) -> f64 {
        if self.count == 0 { f64::NAN } else { self.max }
    }

    /// The `p`-th percentile (`p` in 0..=100), in seconds; NaN if empty.
    pub fn percentile(&self, p: f64) -> Result<f64> {
        if !(0.0..=100.0).contains(&p) {
            return Err(Error::param("percentile", p, "in 0..=100"));
        }
        Ok(self.value_at(p))
    }

    /// The median.
    pub fn p50(&self) -> f64 {
        self.value_at(50.0)
    }

    /// The 90th percentile.
    pub fn p90(&self) -> f64 {
        self.value_at(90.0)
    }

    /// The 99th percentile.
    pub fn p99(&self) -> f64 {
        self.value_at(99.0)
    }

    /// The 99.9th percentile.
    pub fn p999(&self) -> f64 {
        self.value_at(99.9)
    }

    /// (percentile, value) pairs for a CDF plot: `points` evenly spaced percentiles
    /// from 0 to 100 plus the tail (99, 99.9, 99.99).
    pub fn cdf(&self, points: usize) -> Vec<(f64, f64)> {
        let n = points.max(2);
        let mut ps: Vec<f64> = (0..n).map(|i| 100.0 * i as f64 / (n - 1) as f64).collect();
        ps.extend([99.0, 99.9, 99.99]);
        ps.sort_by(f64::total_cmp);
        ps.dedup();
        ps.into_iter().map(|p| (p, self.value_at(p))).collect()
    }

    fn value_at(&self, p: f64) -> f64 {
        if self.count == 0 {
            return f64::NAN;
        }
        if p >= 100.0 {
            return self.max;
        }
        if p <= 0.0 {
            return self.min;
        }
        let v = self
            .hist
            .median_equivalent(self.hist.value_at_quantile(p / 100.0));
        (v as f64 / UNITS_PER_SECOND).clamp(self.min, self.max)
    }
}

/// The usual percentiles of a latency distribution, one row each, in milliseconds.
impl ToTable for LatencyHistogram {
    fn to_table(&self) -> Table {
        let names = ["mean", "p50", "p90", "p99", "p99.9", "max"];
        let values = [
            self.mean(),
            self.p50(),
            self.p90(),
            self.p99(),
            self.p999(),
            self.max(),
        ];
        Table::builder()
            .column("statistic", names)
            .column("latency (ms)", values.map(|s| s * 1e3))
            .build()
            .expect("two columns of six rows")
    }
}

/// Named event counters, listed in name order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters(BTreeMap<String, u64>);

impl Counters {
    /// No counters yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds 1 to `name`.
    pub fn inc(&mut self, name: &str) {
        self.add(name, 1);
    }

    /// Adds `n` to `name`.
    pub fn add(&mut self, name: &str, n: u64) {
        if let Some(c) = self.0.get_mut(name) {
            *c += n;
        } else {
            self.0.insert(name.to_string(), n);
        }
    }

    /// The count of `name` (0 if never counted).
    pub fn get(&self, name: &str) -> u64 {
        self.0.get(name).copied().unwrap_or(0)
    }

    /// All counters, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.0.iter().map(|(k, &v)| (k.as_str(), v))
    }
}

/// Values summarised in fixed windows of time: per window the count, sum and maximum.
/// Rates (requests per second), means and peaks over time come from it.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeSeries {
    window: f64,
    bins: Vec<Bin>,
}

/// One window of a [`TimeSeries`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Bin {
    /// Values recorded in the window.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// Their maximum (0 if none).
    pub max: f64,
}

impl TimeSeries {
    /// An empty series with windows of `window` seconds, starting at time 0.
    pub fn new(window: f64) -> Result<Self> {
        Ok(TimeSeries {
            window: positive("window", window)?,
            bins: Vec::new(),
        })
    }

    /// The window length in seconds.
    pub fn window(&self) -> f64 {
        self.window
    }

    /// Records `value` at time `t` (≥ 0).
    #[inline]
    pub fn record(&mut self, t: f64, value: f64) {
        let i = (t.max(0.0) / self.window) as usize;
        if i >= self.bins.len() {
            self.bins.resize(i + 1, Bin::default());
        }
        let b = &mut self.bins[i];
        b.count += 1;
        b.sum += value;
        b.max = b.max.max(value);
    }

    /// The windows, in time order (a window with nothing recorded has count 0).
    pub fn bins(&self) -> &[Bin] {
        &self.bins
    }

    /// (window start, events per second) for every window.
    pub fn rates(&self) -> Vec<(f64, f64)> {
        self.map(|b| b.count as f64 / self.window)
    }

    /// (window start, mean value) for every window with values.
    pub fn means(&self) -> Vec<(f64, f64)> {
        self.map_nonempty(|b| b.sum / b.count as f64)
    }

    /// (window start, sum of values) for every window.
    pub fn sums(&self) -> Vec<(f64, f64)> {
        self.map(|b| b.sum)
    }

    /// (window start, maximum value) for every window with values.
    pub fn maxima(&self) -> Vec<(f64, f64)> {
        self.map_nonempty(|b| b.max)
    }

    fn map(&self, f: impl Fn(&Bin) -> f64) -> Vec<(f64, f64)> {
        self.bins
            .iter()
            .enumerate()
            .map(|(i, b)| (i as f64 * self.window, f(b)))
            .collect()
    }

    fn map_nonempty(&self, f: impl Fn(&Bin) -> f64) -> Vec<(f64, f64)> {
        self.bins
            .iter()
            .enumerate()
            .filter(|(_, b)| b.count > 0)
            .map(|(i, b)| (i as f64 * self.window, f(b)))
            .collect()
    }
}

/// A latency histogram per fixed window of time, for percentiles over time (how p99
/// jumps when a server fails). Each window keeps 2 significant digits (1 % error).
#[derive(Debug, Clone)]
pub struct LatencySeries {
    window: f64,
    windows: Vec<LatencyHistogram>,
}

impl LatencySeries {
    /// An empty series with windows of `window` seconds, starting at time 0.
    pub fn new(window: f64) -> Result<Self> {
        Ok(LatencySeries {
            window: positive("window", window)?,
            windows: Vec::new(),
        })
    }

    /// Records a latency (seconds) observed at time `t`.
    pub fn record(&mut self, t: f64, latency: f64) {
        let i = (t.max(0.0) / self.window) as usize;
        if i >= self.windows.len() {
            self.windows
                .resize_with(i + 1, || LatencyHistogram::with_digits(2));
        }
        self.windows[i].record(latency);
    }

    /// (window start, `p`-th percentile) for every window with values.
    pub fn percentile(&self, p: f64) -> Result<Vec<(f64, f64)>> {
        let mut out = Vec::new();
        for (i, h) in self
            .windows
            .iter()
            .enumerate()
            .filter(|(_, h)| !h.is_empty())
        {
            out.push((i as f64 * self.window, h.percentile(p)?));
        }
        Ok(out)
    }

    /// The histogram of each window, in time order.
    pub fn windows(&self) -> &[LatencyHistogram] {
        &self.windows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_within_the_stated_error() {
        let mut h = LatencyHistogram::new();
        for i in 1..=100_000u32 {
            h.record(i as f64 * 1e-4); // 0.1 ms .. 10 s, uniform
        }
        assert_eq!(h.count(), 100_000);
        assert!((h.mean() - 5.00005).abs() < 1e-9, "the mean is exact");
        for (p, expect) in [(50.0, 5.0), (90.0, 9.0), (99.0, 9.9), (99.9, 9.99)] {
            let v = h.percentile(p).unwrap();
            assert!((v - expect).abs() / expect < 1e-3, "p{p}: {v} vs {expect}");
        }
        assert_eq!(h.percentile(100.0).unwrap(), 10.0);
        assert_eq!(h.percentile(0.0).unwrap(), 1e-4);
        assert!((h.p99() - 9.9).abs() < 0.01);
    }

    #[test]
    fn percentile_outside_range_is_an_error_and_empty_is_nan() {
        let h = LatencyHistogram::new();
        assert!(h.percentile(50.0).unwrap().is_nan());
        assert!(h.mean().is_nan());
        let e = h.percentile(101.0).unwrap_err().to_string();
        assert_eq!(
            e,
            "invalid parameter `percentile` = 101: must be in 0..=100"
        );
        assert!(h.percentile(-1.0).is_err());
        assert!(h.percentile(f64::NAN).is_err());
    }

    #[test]
    fn merging_adds_everything() {
        let mut a = LatencyHistogram::new();
        let mut b = LatencyHistogram::new();
        a.record(0.001);
        b.record(0.003);
        b.record(0.002);
        a.merge(&b);
        assert_eq!(a.count(), 3);
        assert!((a.mean() - 0.002).abs() < 1e-12);
        assert_eq!((a.min(), a.max()), (0.001, 0.003));
        let table = a.to_table();
        assert_eq!(table.frame().height(), 6);
        assert!(
            table
                .to_html()
                .contains("<td style=\"text-align:right\">2</td>")
                || table.to_html().contains(">2<")
        );
        let cdf = a.cdf(5);
        assert!(
            cdf.windows(2).all(|w| w[0].1 <= w[1].1),
            "a CDF never decreases"
        );
    }

    #[test]
    fn counters_and_series() {
        let mut c = Counters::new();
        c.inc("hit");
        c.add("miss", 2);
        c.inc("hit");
        assert_eq!(c.iter().collect::<Vec<_>>(), vec![("hit", 2), ("miss", 2)]);
        assert_eq!(c.get("none"), 0);

        let mut s = TimeSeries::new(10.0).unwrap();
        s.record(1.0, 2.0);
        s.record(9.0, 4.0);
        s.record(25.0, 1.0);
        assert_eq!(s.rates(), vec![(0.0, 0.2), (10.0, 0.0), (20.0, 0.1)]);
        assert_eq!(s.means(), vec![(0.0, 3.0), (20.0, 1.0)]);
        assert_eq!(s.maxima()[0], (0.0, 4.0));
        assert!(TimeSeries::new(0.0).is_err());

        let mut l = LatencySeries::new(1.0).unwrap();
        l.record(0.5, 0.010);
        l.record(2.5, 0.100);
        let p = l.percentile(50.0).unwrap();
        assert_eq!(p.len(), 2);
        assert!((p[1].1 - 0.1).abs() < 0.001);
        assert!(l.percentile(120.0).is_err());
    }
}
