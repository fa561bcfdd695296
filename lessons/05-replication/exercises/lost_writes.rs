//! # 페일오버에서 잃는 쓰기 / The writes lost at failover
//!
//! **한국어.** 비동기 복제에서 프라이머리는 레플리카가 받기 전에 클라이언트에게 "커밋됨"을
//! 알립니다. 프라이머리가 죽으면 가장 많이 받은 레플리카를 승격하는데, 그 레플리카가 받지
//! 못한 커밋은 사라집니다. `promote(primary_lsn, received)` 를 구현하세요.
//!
//! - `primary_lsn` 은 죽은 프라이머리의 마지막 LSN(커밋은 1, 2, 3, ... 순서),
//!   `received[i]` 는 레플리카 i 가 받은 마지막 LSN 입니다.
//! - 가장 많이 받은 레플리카를 승격합니다. 동점이면 인덱스가 작은 쪽입니다.
//! - `lost` 는 승격된 레플리카가 받지 못한 커밋 수 `primary_lsn − 받은 LSN` 입니다.
//! - `catch_up` 은 **나머지** 레플리카가 원래 순서대로 새 프라이머리에게서 더 받아야 할
//!   레코드 수입니다 (승격된 레플리카는 빠집니다).
//! - 레플리카가 없거나, 어떤 레플리카가 프라이머리보다 많이 받았다고 하면 `Err` 입니다.
//!
//! **English.** With asynchronous replication the primary tells the client "committed"
//! before any replica has the record. When the primary dies, the replica that received the
//! most is promoted, and the commits it never received are gone. Implement
//! `promote(primary_lsn, received)`.
//!
//! - `primary_lsn` is the dead primary's last LSN (commits are numbered 1, 2, 3, ...);
//!   `received[i]` is the last LSN replica i received.
//! - Promote the replica that received the most; on a tie the lowest index.
//! - `lost` is the number of commits the promoted replica never received:
//!   `primary_lsn − its LSN`.
//! - `catch_up` lists, for the **other** replicas in their original order, how many
//!   records each still needs from the new primary (the promoted one is left out).
//! - No replica, or a replica that claims more than the primary wrote, is an `Err`.

use scale_lab::{Error, Result};

/// What a failover did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    /// The replica promoted (its index in `received`).
    pub replica: usize,
    /// Commits of the old primary that the new one never received: lost.
    pub lost: u64,
    /// Records each other replica, in order, still needs from the new primary.
    pub catch_up: Vec<u64>,
}

/// Promotes the replica that received the most and counts what is lost.
pub fn promote(primary_lsn: u64, received: &[u64]) -> Result<Promotion> {
    todo!("find the replica with the largest received LSN; lost = primary_lsn − it")
}

#[cfg(test)]
#[path = "../checks/lost_writes.rs"]
mod checks;
