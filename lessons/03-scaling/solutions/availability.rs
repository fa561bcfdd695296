//! # 직렬과 병렬 부품의 가용성 / Availability of parts in series and in parallel
//!
//! **한국어.** 시스템을 부품의 식 (expression tree)으로 나타냅니다. [`Block::Part`]는
//! 가용성이 주어진 부품 하나, [`Block::Series`]는 모두 동작해야 하는 블록들 (가용성의 곱),
//! [`Block::Parallel`]은 하나만 동작하면 되는 블록들 (1 − 비가용성의 곱)입니다. 블록은
//! 중첩될 수 있습니다. 예: `Series[LB, Parallel[web, web], DB]`.
//!
//! - [`Block::availability`]: 전체의 가용성. 부품의 가용성이 0 이상 1 이하의 유한한 수가
//!   아니면 [`AvailabilityError::NotAProbability`] (그 부품의 이름과 값), 빈 `Series`나
//!   `Parallel`은 [`AvailabilityError::Empty`]입니다.
//! - [`nines`]: 나인의 개수 `−log10(1 − A)` (0.999 → 3). A = 1이면 무한대입니다.
//! - [`downtime_minutes_per_year`]: `(1 − A) × 365.25 × 24 × 60`.
//! - 두 함수 모두 A가 확률이 아니면 `NotAProbability { name: "availability", value }`입니다.
//!
//! **English.** A system is an expression tree of parts. [`Block::Part`] is one part with a
//! given availability; [`Block::Series`] is blocks that must all work (the product of
//! their availabilities); [`Block::Parallel`] is blocks of which one is enough (one minus
//! the product of their unavailabilities). Blocks nest, for example
//! `Series[LB, Parallel[web, web], DB]`.
//!
//! - [`Block::availability`]: the whole tree's availability. A part whose availability is
//!   not a finite number in [0, 1] is [`AvailabilityError::NotAProbability`] (with its
//!   name and value); an empty `Series` or `Parallel` is [`AvailabilityError::Empty`].
//! - [`nines`]: `−log10(1 − A)` (0.999 → 3); infinite for A = 1.
//! - [`downtime_minutes_per_year`]: `(1 − A) × 365.25 × 24 × 60`.
//! - Both are `NotAProbability { name: "availability", value }` when A is not a
//!   probability.

/// A block of a system: one part, or blocks combined.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// One part.
    Part {
        /// Its name, for errors.
        name: &'static str,
        /// The fraction of time it is up, in [0, 1].
        availability: f64,
    },
    /// Blocks that must all be up.
    Series(Vec<Block>),
    /// Blocks of which one up is enough.
    Parallel(Vec<Block>),
}

/// What can be wrong with a tree or a number.
#[derive(Debug, Clone, PartialEq)]
pub enum AvailabilityError {
    /// An availability outside [0, 1] (or NaN, or infinite).
    NotAProbability {
        /// The part's name (`"availability"` for [`nines`] and
        /// [`downtime_minutes_per_year`]).
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// A `Series` or `Parallel` with no blocks.
    Empty,
}

/// Shorthand for a part.
pub fn part(name: &'static str, availability: f64) -> Block {
    Block::Part { name, availability }
}

/// `value` if it is a probability, else the error naming `name`.
fn probability(name: &'static str, value: f64) -> Result<f64, AvailabilityError> {
    // `contains` is false for NaN, so NaN is rejected too.
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(AvailabilityError::NotAProbability { name, value })
    }
}

impl Block {
    /// The availability of the whole block.
    pub fn availability(&self) -> Result<f64, AvailabilityError> {
        match self {
            Block::Part { name, availability } => probability(name, *availability),
            Block::Series(blocks) => {
                if blocks.is_empty() {
                    return Err(AvailabilityError::Empty);
                }
                blocks.iter().map(Block::availability).product()
            }
            Block::Parallel(blocks) => {
                if blocks.is_empty() {
                    return Err(AvailabilityError::Empty);
                }
                // Down only when every block is down: multiply the unavailabilities.
                let down: f64 = blocks
                    .iter()
                    .map(|b| b.availability().map(|a| 1.0 - a))
                    .product::<Result<f64, _>>()?;
                Ok(1.0 - down)
            }
        }
    }
}

/// Nines of an availability: 0.999 → 3.
pub fn nines(availability: f64) -> Result<f64, AvailabilityError> {
    let a = probability("availability", availability)?;
    // log10(0) = −∞, so A = 1 gives +∞ nines.
    Ok(-(1.0 - a).log10())
}

/// Minutes of downtime in a year (365.25 days) at an availability.
pub fn downtime_minutes_per_year(availability: f64) -> Result<f64, AvailabilityError> {
    Ok((1.0 - probability("availability", availability)?) * 365.25 * 24.0 * 60.0)
}

#[cfg(test)]
#[path = "../checks/availability.rs"]
mod checks;
