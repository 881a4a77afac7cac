//! Phase timings for profiling, printed to stderr when `SEAM_TIMINGS` is set; never part of
//! any output format.

use std::time::Instant;

#[derive(Debug)]
pub struct Timer {
    enabled: bool,
    last: Instant,
    phases: Vec<(&'static str, f64, u64, u64)>,
}

impl Timer {
    pub fn new() -> Self {
        Self {
            enabled: std::env::var_os("SEAM_TIMINGS").is_some(),
            last: Instant::now(),
            phases: Vec::new(),
        }
    }

    /// Close the phase that ran since the last mark.
    pub fn mark(&mut self, phase: &'static str) {
        if self.enabled {
            let at = Instant::now();
            let (peak, now) = rss_kib();
            self.phases
                .push((phase, (at - self.last).as_secs_f64() * 1000.0, peak, now));
            self.last = at;
        }
    }
}

impl Default for Timer {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if self.enabled && !self.phases.is_empty() {
            let parts: Vec<String> = self
                .phases
                .iter()
                .map(|(p, ms, peak, now)| {
                    format!(
                        "{p} {ms:.1} ms (peak {} MiB, now {})",
                        peak / 1024,
                        now / 1024
                    )
                })
                .collect();
            eprintln!("seam timings: {}", parts.join(", "));
        }
    }
}

/// Resident memory from Linux's `/proc/self/status`, read once: (`VmHWM`, the peak so far;
/// `VmRSS`, now), each 0 where unknown.
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}
