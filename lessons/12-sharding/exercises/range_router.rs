//! # 분할 지점으로 나누는 범위 라우터 / A range router with split points
//!
//! **한국어.** 범위 샤딩 (range sharding) 의 라우터를 구현하세요. 키 공간 `0..=u64::MAX` 를
//! 분할 지점 (split point) 으로 잘라, 잘린 범위마다 샤드 하나를 둡니다.
//!
//! - `new(&[s1, s2, ...])`: 처음에는 샤드 0 이 `[0, s1)`, 샤드 1 이 `[s1, s2)`, ..., 마지막
//!   샤드가 `[마지막 지점, u64::MAX]` 를 가집니다. 분할 지점이 없으면 샤드 하나가 전부를
//!   가집니다. 분할 지점은 **엄격히 증가**해야 하고 0 일 수 없습니다(빈 범위). 아니면 `Err`.
//! - 경계의 키는 **위쪽** 범위에 속합니다: 지점 `s` 자체는 `s` 에서 시작하는 범위의 샤드입니다.
//! - `split(at)`: `at` 이 들어 있는 범위를 `at` 에서 자릅니다. 아래쪽은 원래 샤드에 남고, 위쪽
//!   (`at` 부터 그 범위의 끝까지)은 **새 샤드** 로 갑니다. 새 샤드의 번호는 그때까지의 샤드
//!   수이고(0, 1, 2 다음은 3), 그 번호를 돌려줍니다. 다른 범위의 샤드 번호는 바뀌지 않습니다.
//!   `at` 이 0 이거나 이미 범위의 시작점이면 `Err` 입니다.
//! - `shard_for` 는 범위 수가 많아도 빨라야 합니다(이진 탐색).
//!
//! **English.** Implement the router of range sharding. Split points cut the key space
//! `0..=u64::MAX` into ranges, one shard per range.
//!
//! - `new(&[s1, s2, ...])`: at first shard 0 holds `[0, s1)`, shard 1 `[s1, s2)`, ..., the
//!   last shard `[last point, u64::MAX]`. No split points: one shard holds everything.
//!   Split points must be **strictly increasing** and cannot be 0 (an empty range);
//!   otherwise `Err`.
//! - A key on a boundary belongs to the **upper** range: point `s` itself belongs to the
//!   shard of the range that starts at `s`.
//! - `split(at)`: cut the range that contains `at` at `at`. The lower part stays with its
//!   shard; the upper part (from `at` to the end of that range) goes to a **new shard**
//!   whose number is the number of shards so far (after 0, 1, 2 comes 3), which `split`
//!   returns. No other range changes shard. `at` = 0, or `at` already the start of a
//!   range, is an `Err`.
//! - `shard_for` must stay fast with many ranges (binary search).

use scale_lab::{Error, Result};

/// Key ranges → shards, cut at split points.
#[derive(Debug, Clone)]
pub struct RangeRouter {
    // your fields here
    _todo: (),
}

impl RangeRouter {
    /// Shard i holds the i-th range between `splits` (strictly increasing, none 0).
    pub fn new(splits: &[u64]) -> Result<Self> {
        todo!("validate the split points, then remember where each range starts and its shard")
    }

    /// How many shards there are.
    pub fn shards(&self) -> usize {
        todo!("count the shards")
    }

    /// The shard that holds `key`.
    pub fn shard_for(&self, key: u64) -> usize {
        todo!("binary search for the last range that starts at or before key")
    }

    /// Cuts the range containing `at` at `at`; the upper part goes to a new shard, whose
    /// number is returned.
    pub fn split(&mut self, at: u64) -> Result<usize> {
        todo!("reject 0 and existing range starts, then insert a range starting at `at`")
    }
}

#[cfg(test)]
#[path = "../checks/range_router.rs"]
mod checks;
