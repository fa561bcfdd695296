//! # 쌓인 메시지를 제때 비우려면 작업 서버가 몇 대 필요한가 / How many workers drain a backlog in time
//!
//! **한국어.** 큐에 메시지 `backlog`건이 쌓여 있고, 새 메시지가 초당 `rate`건 들어오며, 메시지 하나는
//! 작업 서버 한 대의 시간 `service`초를 씁니다. 쌓인 메시지를 `within`초 안에 비우는 가장 적은 작업
//! 서버 수 `c`를 구하세요. 강의의 공식을 씁니다. 작업 서버 `c`대의 처리 용량은 `c / service`건/초이고,
//! 쌓인 메시지는 `backlog / (c / service − rate)`초에 빠집니다.
//!
//! - 답은 `c / service > rate`(처리 용량이 유입보다 커야 큐가 줄어듭니다)이고
//!   `backlog / (c / service − rate) ≤ within`인 가장 작은 `c ≥ 1`입니다. 경계에서 정확히 같으면
//!   충분한 것으로 봅니다.
//! - `backlog`가 0이면 처리 용량이 유입보다 크기만 하면 됩니다(최소 1대).
//! - 잘못된 입력은 `Err`입니다. `rate`가 음수이거나 유한하지 않을 때, `service`나 `within`이 0 이하이거나
//!   유한하지 않을 때, 답이 `usize`에 들어가지 않을 때.
//!
//! **English.** `backlog` messages wait in a queue, `rate` new ones arrive per second, and
//! each takes `service` seconds of one worker. Find the fewest workers `c` that drain the
//! backlog within `within` seconds, with the lesson's formula: `c` workers process
//! `c / service` messages per second, and the backlog drains in
//! `backlog / (c / service − rate)` seconds.
//!
//! - The answer is the smallest `c ≥ 1` with `c / service > rate` (the queue only shrinks
//!   when capacity exceeds arrivals) and `backlog / (c / service − rate) ≤ within`; exactly
//!   on the boundary counts as enough.
//! - With an empty backlog, capacity above the arrival rate is all it takes (at least 1).
//! - Bad input is an `Err`: a negative or non-finite `rate`, a `service` or `within` that
//!   is not a finite number > 0, or an answer too large for a `usize`.

use scale_lab::Error;

/// The fewest workers that drain `backlog` messages within `within` seconds while `rate`
/// arrive per second, each taking `service` seconds.
pub fn workers_for_drain(
    backlog: u64,
    rate: f64,
    service: f64,
    within: f64,
) -> Result<usize, Error> {
    if !(rate.is_finite() && rate >= 0.0) {
        return Err(Error::param("rate", rate, "a finite number ≥ 0"));
    }
    if !(service.is_finite() && service > 0.0) {
        return Err(Error::param("service", service, "a finite number > 0"));
    }
    if !(within.is_finite() && within > 0.0) {
        return Err(Error::param("within", within, "a finite number > 0"));
    }
    // c / service − rate ≥ backlog / within  ⇔  c ≥ service · (rate + backlog / within).
    let need = service * (rate + backlog as f64 / within);
    if !need.is_finite() || need >= usize::MAX as f64 {
        return Err(Error::param(
            "backlog",
            backlog,
            "small enough for a usize of workers",
        ));
    }
    // Round up, forgiving the last bits of floating-point error on an exact boundary.
    let mut c = ((need - 1e-9 * need.max(1.0)).ceil().max(1.0)) as usize;
    // With no backlog the condition is strict: capacity must exceed the arrival rate.
    while c as f64 / service <= rate {
        c += 1;
    }
    Ok(c)
}

#[cfg(test)]
#[path = "../checks/workers_for_drain.rs"]
mod checks;
