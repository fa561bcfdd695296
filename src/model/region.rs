//! Regions of the world and the network latency between them: the geography that CDN
//! edges, data centers and a multi-region topology are placed on.
//!
//! Two numbers describe the network, both round-trip times in seconds:
//!
//! - the **access** time of a region: a user's round trip to a data center (or CDN edge)
//!   in their own region — the "last mile", typically 5–20 ms;
//! - the **inter-region** round trip between data centers of two regions (the diagonal,
//!   between two data centers of one region, is usually 0–2 ms).
//!
//! A user in region `u` talking to a data center in region `d` pays
//! `access(u) + rtt(u, d)` per request–response exchange ([`Regions::user_rtt`]). That
//! is why the chapter puts an edge or a data center near every group of users: moving
//! a user from their home region to one 150 ms away adds 150 ms to every round trip,
//! however fast the servers are.

use std::fmt;

use crate::error::{Error, Result, non_negative};

/// Named regions with their access times and the inter-region round-trip matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Regions {
    names: Vec<String>,
    access: Vec<f64>,
    rtt: Vec<f64>,
}

impl Regions {
    /// Regions named `names` (distinct, not empty), with the access round trip of each
    /// (`access[i]`, seconds ≥ 0) and the inter-region round trips `rtt[i][j]` (an n × n
    /// symmetric matrix of seconds ≥ 0).
    pub fn new<R: AsRef<[f64]>>(names: &[&str], access: &[f64], rtt: &[R]) -> Result<Regions> {
        let n = names.len();
        if n == 0 {
            return Err(Error::param("names", "[]", "at least one region"));
        }
        for (i, name) in names.iter().enumerate() {
            if name.is_empty() {
                return Err(Error::param(
                    "names",
                    format!("{names:?}"),
                    "non-empty names",
                ));
            }
            if names[..i].contains(name) {
                return Err(Error::param(
                    "names",
                    format!("{names:?}"),
                    format!("distinct names (`{name}` repeats)"),
                ));
            }
        }
        if access.len() != n {
            return Err(Error::param(
                "access",
                format!("{} values", access.len()),
                format!("one per region ({n})"),
            ));
        }
        for &a in access {
            non_negative("access", a)?;
        }
        if rtt.len() != n || rtt.iter().any(|row| row.as_ref().len() != n) {
            return Err(Error::param(
                "rtt",
                format!("{} rows", rtt.len()),
                format!("a {n} × {n} matrix"),
            ));
        }
        let mut flat = Vec::with_capacity(n * n);
        for (i, row) in rtt.iter().enumerate() {
            for (j, &v) in row.as_ref().iter().enumerate() {
                non_negative("rtt", v)?;
                let mirror = rtt[j].as_ref()[i];
                if v != mirror {
                    return Err(Error::param(
                        "rtt",
                        format!("[{i}][{j}] = {v}, [{j}][{i}] = {mirror}"),
                        "a symmetric matrix (the same round trip both ways)",
                    ));
                }
                flat.push(v);
            }
        }
        Ok(Regions {
            names: names.iter().map(|s| s.to_string()).collect(),
            access: access.to_vec(),
            rtt: flat,
        })
    }

    /// One region: what every single-site topology lives in.
    pub fn single(name: &str, access: f64) -> Result<Regions> {
        Regions::new(&[name], &[access], &[[0.0]])
    }

    /// Four regions with round numbers of the order measured between public cloud regions
    /// (illustrative, not a measurement): `seoul`, `tokyo`, `virginia`, `frankfurt`;
    /// 10 ms access everywhere, 1 ms inside a region; Seoul–Tokyo 35 ms, Seoul–Virginia
    /// 180 ms, Seoul–Frankfurt 230 ms, Tokyo–Virginia 150 ms, Tokyo–Frankfurt 225 ms,
    /// Virginia–Frankfurt 90 ms.
    pub fn world() -> Regions {
        let rtt = [
            [0.001, 0.035, 0.180, 0.230],
            [0.035, 0.001, 0.150, 0.225],
            [0.180, 0.150, 0.001, 0.090],
            [0.230, 0.225, 0.090, 0.001],
        ];
        Regions::new(
            &["seoul", "tokyo", "virginia", "frankfurt"],
            &[0.010; 4],
            &rtt,
        )
        .expect("the preset is a valid symmetric matrix")
    }

    /// How many regions there are.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Always `false`: a `Regions` has at least one region.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The name of region `i` (panics if `i` is out of range, like slice indexing).
    pub fn name(&self, i: usize) -> &str {
        &self.names[i]
    }

    /// All names, in index order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// The index of the region called `name`, or an error that lists the names.
    pub fn index(&self, name: &str) -> Result<usize> {
        self.names.iter().position(|n| n == name).ok_or_else(|| {
            Error::param(
                "region",
                format!("`{name}`"),
                format!("one of {}", self.names.join(", ")),
            )
        })
    }

    /// The access round trip of region `i`: a user to a site in their own region.
    pub fn access(&self, i: usize) -> f64 {
        self.access[i]
    }

    /// The round trip between data centers of regions `a` and `b`.
    #[inline]
    pub fn rtt(&self, a: usize, b: usize) -> f64 {
        self.rtt[a * self.names.len() + b]
    }

    /// A user in region `user` to a site in region `site`: `access(user) + rtt(user, site)`.
    #[inline]
    pub fn user_rtt(&self, user: usize, site: usize) -> f64 {
        self.access[user] + self.rtt(user, site)
    }

    /// Of the regions in `candidates`, the one with the smallest round trip from `from`
    /// (the first in `candidates` on a tie); `None` if there is no candidate.
    pub fn nearest(
        &self,
        from: usize,
        candidates: impl IntoIterator<Item = usize>,
    ) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for c in candidates {
            let d = self.rtt(from, c);
            if best.is_none_or(|(_, bd)| d < bd) {
                best = Some((c, d));
            }
        }
        best.map(|(c, _)| c)
    }

    /// Checks that `i` is a region index (for parameters named `name`).
    pub(crate) fn check(&self, name: &'static str, i: usize) -> Result<usize> {
        if i < self.len() {
            Ok(i)
        } else {
            Err(Error::param(
                name,
                i,
                format!("a region index below {}", self.len()),
            ))
        }
    }
}

impl fmt::Display for Regions {
    /// The round-trip matrix in milliseconds, with the access times.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = self.names.iter().map(String::len).max().unwrap_or(0).max(6);
        write!(f, "{:w$}  {:>7}", "rtt ms", "access")?;
        for n in &self.names {
            write!(f, "  {n:>w$}")?;
        }
        for (i, n) in self.names.iter().enumerate() {
            write!(f, "\n{n:w$}  {:>7.1}", self.access[i] * 1e3)?;
            for j in 0..self.len() {
                write!(f, "  {:>w$.1}", self.rtt(i, j) * 1e3)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_preset_is_symmetric_and_nearest_works() {
        let w = Regions::world();
        let seoul = w.index("seoul").unwrap();
        let tokyo = w.index("tokyo").unwrap();
        let virginia = w.index("virginia").unwrap();
        let frankfurt = w.index("frankfurt").unwrap();
        assert_eq!(w.rtt(seoul, virginia), w.rtt(virginia, seoul));
        assert!((w.user_rtt(seoul, virginia) - 0.190).abs() < 1e-12);
        assert_eq!(w.nearest(seoul, [virginia, tokyo, frankfurt]), Some(tokyo));
        assert_eq!(w.nearest(frankfurt, [seoul, virginia]), Some(virginia));
        assert_eq!(w.nearest(seoul, []), None);
        let text = w.to_string();
        assert!(
            text.contains("180.0") && text.lines().count() == 5,
            "{text}"
        );
    }

    #[test]
    fn nearest_breaks_ties_by_order() {
        let r = Regions::new(
            &["a", "b", "c"],
            &[0.0; 3],
            &[[0.0, 0.1, 0.1], [0.1, 0.0, 0.2], [0.1, 0.2, 0.0]],
        )
        .unwrap();
        assert_eq!(r.nearest(0, [2, 1]), Some(2));
        assert_eq!(r.nearest(0, [1, 2]), Some(1));
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        let e = Regions::new(&["a", "b"], &[0.0, 0.0], &[[0.0, 0.1], [0.2, 0.0]])
            .unwrap_err()
            .to_string();
        assert!(e.contains("symmetric"), "{e}");
        assert!(
            Regions::new(&["a", "a"], &[0.0, 0.0], &[[0.0; 2]; 2])
                .unwrap_err()
                .to_string()
                .contains("distinct")
        );
        assert!(
            Regions::new(&["a"], &[0.0, 0.0], &[[0.0]])
                .unwrap_err()
                .to_string()
                .contains("one per region")
        );
        assert!(
            Regions::new(&["a", "b"], &[0.0; 2], &[[0.0]])
                .unwrap_err()
                .to_string()
                .contains("2 × 2")
        );
        assert!(Regions::new(&["a"], &[-1.0], &[[0.0]]).is_err());
        assert!(Regions::new(&["a"], &[0.0], &[[f64::NAN]]).is_err());
        assert!(Regions::new::<[f64; 0]>(&[], &[], &[]).is_err());
        let e = Regions::world().index("mars").unwrap_err().to_string();
        assert!(
            e.contains("`mars`") && e.contains("seoul, tokyo, virginia, frankfurt"),
            "{e}"
        );
    }
}
