//! # 멱등한 소비자: 정확히 한 번 반영되는 계좌 / An idempotent consumer: an account that applies each payment once
//!
//! **한국어.** 큐는 결제 메시지를 최소 한 번 전달합니다. 같은 메시지가 두 번 이상 오기도 하고(재전달,
//! 생산자 재발행), 순서가 뒤바뀌어 오기도 합니다. `Account`를 구현하세요.
//!
//! - 결제의 `id`는 생산자가 발행 순서대로 붙인 멱등성 키입니다: 0, 1, 2, ... 모든 id는 결국 한 번 이상
//!   도착합니다.
//! - `apply`는 처음 보는 id면 금액을 잔액에 더하고 `Applied`를, 이미 반영한 id면 아무것도 바꾸지 않고
//!   `Duplicate`를 돌려줍니다. 금액은 음수(환불)나 0일 수도 있고, 0원 결제도 id는 기록합니다.
//! - 메모리는 유한해야 합니다. 본 id를 전부 저장하지 말고 *워터마크*를 두세요. `watermark()`보다 작은
//!   id는 모두 반영된 것이고, 워터마크 이상에서 반영된 id만 따로 기억합니다. `remembered()`는 그렇게
//!   따로 기억하는 id의 수입니다. 순서대로 도착하면 0이어야 하고, 빈칸이 메워지면 워터마크가 그만큼
//!   올라가야 합니다.
//!
//! **English.** A queue delivers payment messages at least once: the same message may come
//! twice or more (redeliveries, producer retries), and out of order. Implement `Account`.
//!
//! - A payment's `id` is its idempotency key, given by the producer in publishing order:
//!   0, 1, 2, ... Every id eventually arrives at least once.
//! - `apply` adds the amount to the balance and returns `Applied` for an id it has not
//!   applied, and changes nothing and returns `Duplicate` for one it has. Amounts may be
//!   negative (a refund) or zero; a zero payment still records its id.
//! - Memory must stay bounded: do not store every id seen. Keep a *watermark*: every id
//!   below `watermark()` has been applied, and only the applied ids at or above it are
//!   remembered one by one. `remembered()` is how many ids are remembered that way: 0 when
//!   payments arrive in order, and the watermark moves up as soon as a gap is filled.

/// A payment message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment {
    /// The idempotency key: 0, 1, 2, ... in publishing order.
    pub id: u64,
    /// The amount (negative: a refund).
    pub amount: i64,
}

/// What `apply` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The payment was applied to the balance.
    Applied,
    /// The id had been applied before: nothing changed.
    Duplicate,
}

/// An account that applies each payment exactly once.
#[derive(Debug, Clone, Default)]
pub struct Account {
    // your fields here
    _todo: (),
}

impl Account {
    /// An empty account: balance 0, watermark 0.
    pub fn new() -> Self {
        todo!("an empty account")
    }

    /// Applies `payment` unless its id was applied before.
    pub fn apply(&mut self, payment: Payment) -> Applied {
        let _ = payment;
        todo!("apply a payment exactly once")
    }

    /// The balance.
    pub fn balance(&self) -> i64 {
        todo!("the balance")
    }

    /// Every id below this has been applied.
    pub fn watermark(&self) -> u64 {
        todo!("the watermark")
    }

    /// How many applied ids at or above the watermark are remembered one by one.
    pub fn remembered(&self) -> usize {
        todo!("the ids remembered above the watermark")
    }
}

#[cfg(test)]
#[path = "../checks/idempotent_account.rs"]
mod checks;
