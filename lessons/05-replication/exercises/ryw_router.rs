//! # Read-your-writes 라우터 / A read-your-writes router
//!
//! **한국어.** 쓰기는 프라이머리로, 읽기는 레플리카로 보내면 방금 쓴 사용자가 아직 복제되지
//! 않은 레플리카에서 옛 데이터를 읽을 수 있습니다. 세션(또는 이벤트)이 마지막 쓰기의
//! LSN(log sequence number)을 들고 다니면 막을 수 있습니다. `route(session_lsn, applied)` 를
//! 구현하세요.
//!
//! - `session_lsn` 은 세션이 마지막으로 쓴 커밋의 LSN 이고, 쓴 적이 없으면 0 입니다.
//!   `applied[i]` 는 레플리카 i 가 지금까지 재생한 LSN 입니다.
//! - `applied[i] >= session_lsn` 인 레플리카만 그 쓰기를 봅니다("따라잡은" 레플리카).
//!   그중 가장 덜 뒤처진 레플리카, 즉 `applied` 가 가장 큰 레플리카로 보냅니다. 동점이면
//!   인덱스가 작은 쪽입니다.
//! - 따라잡은 레플리카가 없거나 레플리카가 아예 없으면 `Target::Primary` 입니다.
//!
//! **English.** With writes on the primary and reads on replicas, a user who just wrote may
//! read a replica that has not replayed the write yet, and see old data. A session (or an
//! event) that carries the LSN (log sequence number) of its last write prevents it.
//! Implement `route(session_lsn, applied)`.
//!
//! - `session_lsn` is the LSN of the session's last commit, 0 if it never wrote.
//!   `applied[i]` is the LSN replica i has replayed so far.
//! - Only replicas with `applied[i] >= session_lsn` see the write ("caught up"). Among
//!   them, pick the least lagged one: the largest `applied`; on a tie the lowest index.
//! - No replica caught up, or no replicas at all: `Target::Primary`.

/// Where a read goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The primary.
    Primary,
    /// Replica `i`.
    Replica(usize),
}

/// The least lagged replica that has replayed `session_lsn`, else the primary.
pub fn route(session_lsn: u64, applied: &[u64]) -> Target {
    todo!("keep the replicas with applied >= session_lsn, pick the largest applied")
}

#[cfg(test)]
#[path = "../checks/ryw_router.rs"]
mod checks;
