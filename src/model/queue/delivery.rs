//! Delivery semantics made countable: the side effects a consumer applies, the
//! idempotency keys that make a second delivery harmless, and the faults injected to
//! provoke redeliveries.
//!
//! The life of a delivery is: delivered → processed (the *effect* is applied: a card is
//! charged, an email is sent) → acknowledged. A fault between the effect and the ack (the
//! consumer crashes, or its ack is lost) or a processing time longer than the visibility
//! timeout makes the broker deliver the message again, and the effect is applied twice:
//! a *duplicate*. The [`EffectLedger`] counts effects per idempotency key, so duplicates
//! are counted exactly. With an [`IdempotencyStore`] the consumer records the key of each
//! operation it has applied (in the same transaction as the effect) and skips a key it
//! has seen: the redelivery still happens, the duplicate effect does not.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Result, probability};

/// How many times each operation's effect was applied, by idempotency key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EffectLedger {
    counts: BTreeMap<u64, u32>,
    effects: u64,
}

impl EffectLedger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies the effect of operation `key`; returns how many times it has now been
    /// applied (2 or more: a duplicate).
    pub fn apply(&mut self, key: u64) -> u32 {
        self.effects += 1;
        let n = self.counts.entry(key).or_insert(0);
        *n += 1;
        *n
    }

    /// Effects applied in all.
    pub fn effects(&self) -> u64 {
        self.effects
    }

    /// Distinct operations that were applied at least once.
    pub fn operations(&self) -> u64 {
        self.counts.len() as u64
    }

    /// Effects beyond the first of each operation: the double charges.
    pub fn duplicates(&self) -> u64 {
        self.effects - self.operations()
    }

    /// Operations applied more than once.
    pub fn operations_with_duplicates(&self) -> u64 {
        self.counts.values().filter(|&&n| n > 1).count() as u64
    }

    /// How many times operation `key` was applied.
    pub fn times(&self, key: u64) -> u32 {
        self.counts.get(&key).copied().unwrap_or(0)
    }
}

/// The keys of the operations already applied: a consumer checks it before applying an
/// effect and records the key with the effect, atomically (a unique constraint on a
/// `processed_keys` table in the same transaction as the charge).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IdempotencyStore {
    seen: BTreeSet<u64>,
    suppressed: u64,
}

impl IdempotencyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `key` and returns `true` if it is new (apply the effect); returns `false`
    /// and counts a suppressed duplicate if it was seen before.
    pub fn first_time(&mut self, key: u64) -> bool {
        let new = self.seen.insert(key);
        if !new {
            self.suppressed += 1;
        }
        new
    }

    /// Duplicates the store prevented.
    pub fn suppressed(&self) -> u64 {
        self.suppressed
    }

    /// Keys recorded.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether no key is recorded.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// What happens to one delivery in the consumer, drawn when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Processed, effect applied, acked.
    Success,
    /// The consumer crashed before applying the effect: no effect, no ack; the message
    /// comes back when its visibility timeout runs out.
    CrashBeforeEffect,
    /// The effect was applied but the ack was lost (or the consumer crashed just after
    /// the effect): the message comes back and, without idempotency, is applied again.
    AckLost,
    /// Processing failed with an error (a poison message, or the downstream is down): no
    /// effect; the consumer nacks and the message is visible again at once.
    Error,
}

/// What a processed delivery did to the outside world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The effect was applied.
    Applied,
    /// The idempotency store recognised the key: the effect was skipped.
    Suppressed,
    /// The delivery failed before the effect.
    NotApplied,
}

/// Faults injected into the consumers, as probabilities per delivery (and per message
/// for poison messages).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Faults {
    crash_before_effect: f64,
    ack_lost: f64,
    poison: f64,
}

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// Each delivery crashes its consumer before the effect with probability `p`.
    pub fn crash_before_effect(mut self, p: f64) -> Result<Self> {
        self.crash_before_effect = probability("crash_before_effect", p)?;
        self.check_sum()
    }

    /// Each delivery's ack is lost after the effect with probability `p`.
    pub fn ack_lost(mut self, p: f64) -> Result<Self> {
        self.ack_lost = probability("ack_lost", p)?;
        self.check_sum()
    }

    /// Each published message is a poison message with probability `p`: every delivery
    /// of it fails with an error, so it ends in the dead-letter queue (if there is one).
    pub fn poison(mut self, p: f64) -> Result<Self> {
        self.poison = probability("poison", p)?;
        Ok(self)
    }

    /// The probability that a message is poison.
    pub fn poison_probability(&self) -> f64 {
        self.poison
    }

    /// Whether any fault can happen.
    pub fn any(&self) -> bool {
        self.crash_before_effect > 0.0 || self.ack_lost > 0.0 || self.poison > 0.0
    }

    /// The fate of a delivery of a healthy message, from one uniform number `u` in [0, 1).
    pub fn fate(&self, u: f64) -> Fate {
        if u < self.crash_before_effect {
            Fate::CrashBeforeEffect
        } else if u < self.crash_before_effect + self.ack_lost {
            Fate::AckLost
        } else {
            Fate::Success
        }
    }

    fn check_sum(self) -> Result<Self> {
        let sum = self.crash_before_effect + self.ack_lost;
        if sum > 1.0 {
            return Err(crate::Error::param(
                "crash_before_effect + ack_lost",
                sum,
                "at most 1 (they are exclusive fates of one delivery)",
            ));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ledger_counts_duplicates_per_key() {
        let mut l = EffectLedger::new();
        assert_eq!(l.apply(1), 1);
        assert_eq!(l.apply(2), 1);
        assert_eq!(l.apply(1), 2);
        assert_eq!(l.apply(1), 3);
        assert_eq!(
            (
                l.effects(),
                l.operations(),
                l.duplicates(),
                l.operations_with_duplicates()
            ),
            (4, 2, 2, 1)
        );
        assert_eq!((l.times(1), l.times(9)), (3, 0));
    }

    #[test]
    fn the_store_lets_each_key_through_once() {
        let mut s = IdempotencyStore::new();
        assert!(s.first_time(5));
        assert!(!s.first_time(5));
        assert!(s.first_time(6));
        assert_eq!((s.len(), s.suppressed()), (2, 1));
    }

    #[test]
    fn fates_split_the_unit_interval() {
        let f = Faults::none()
            .crash_before_effect(0.1)
            .unwrap()
            .ack_lost(0.2)
            .unwrap();
        assert_eq!(f.fate(0.05), Fate::CrashBeforeEffect);
        assert_eq!(f.fate(0.25), Fate::AckLost);
        assert_eq!(f.fate(0.31), Fate::Success);
        assert!(f.any() && !Faults::none().any());
        assert!(Faults::none().ack_lost(1.5).is_err());
        let e = Faults::none()
            .crash_before_effect(0.7)
            .unwrap()
            .ack_lost(0.5)
            .unwrap_err()
            .to_string();
        assert!(e.contains("at most 1"), "{e}");
    }
}
