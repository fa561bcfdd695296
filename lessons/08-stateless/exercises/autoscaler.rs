//! # 오토스케일러의 결정 / An autoscaler's decision
//!
//! **한국어** — 1분마다 웹 서버 수를 정하는 오토스케일러(target tracking)를 구현하세요.
//! 웹 계층이 무상태여야 이 결정을 마음 놓고 따를 수 있습니다.
//!
//! - `Autoscaler::new(target, min, max, cooldown)`: 목표 사용률 `target`은 (0, 1],
//!   `min` ≥ 1, `max` ≥ `min`, `cooldown`은 0 이상의 유한한 초. 아니면 `Err`.
//! - `decide(now, servers, utilisation)`: 지금 `servers`대가 지난 구간에 평균
//!   `utilisation`만큼 바빴을 때, 다음 서버 수를 돌려줍니다.
//!   1. 원하는 수 = ⌈servers × utilisation / target⌉, 그리고 [min, max]로 자릅니다.
//!   2. 원하는 수가 더 많으면 곧바로 그 수로 늘립니다(scale-out).
//!   3. 더 적으면 한 번에 **한 대만** 줄이는데(scale-in), 마지막 변경 뒤 `cooldown`초가
//!      지났을 때만 줄입니다(`now - 마지막 변경 >= cooldown`). 아직 한 번도 바꾼 적이
//!      없으면 바로 줄일 수 있습니다.
//!   4. 결과는 언제나 [min, max] 안입니다. `servers`가 범위 밖이면 범위 끝으로 옮기고,
//!      이것도 변경입니다. `utilisation`이 NaN이면(측정값 없음) 바꾸지 않습니다
//!      (범위 안으로 옮기는 것만 합니다).
//!   5. 돌려주는 값이 `servers`와 다르면 `now`를 마지막 변경 시각으로 기록합니다.
//!
//! **English** — Implement the autoscaler (target tracking) that sets the number of web
//! servers every minute. Only a stateless web tier can follow its decisions safely.
//!
//! - `Autoscaler::new(target, min, max, cooldown)`: the target utilisation in (0, 1],
//!   `min` ≥ 1, `max` ≥ `min`, `cooldown` a finite number of seconds ≥ 0; else `Err`.
//! - `decide(now, servers, utilisation)`: `servers` servers were busy `utilisation` on
//!   average over the last interval; return how many there should be.
//!   1. Wanted = ⌈servers × utilisation / target⌉, clamped to [min, max].
//!   2. More than now: scale out to it at once.
//!   3. Fewer: scale in by **one** server only, and only if `cooldown` seconds have passed
//!      since the last change (`now - last change >= cooldown`). Before any change, a
//!      scale-in may happen at once.
//!   4. The answer is always in [min, max]: `servers` outside it is moved to the nearest
//!      bound, and that is a change. A NaN `utilisation` (nothing measured) changes
//!      nothing (but the move into the bounds).
//!   5. When the answer differs from `servers`, remember `now` as the last change.

use scale_lab::Result;

/// Target tracking with bounds and a scale-in cooldown.
#[derive(Debug, Clone)]
pub struct Autoscaler {
    // your fields here
    _todo: (),
}

impl Autoscaler {
    /// Holds utilisation near `target`, with `min..=max` servers and `cooldown` seconds
    /// between a change and a scale-in.
    pub fn new(target: f64, min: usize, max: usize, cooldown: f64) -> Result<Autoscaler> {
        todo!("check the parameters")
    }

    /// How many servers there should be at `now`, given `servers` busy `utilisation`.
    pub fn decide(&mut self, now: f64, servers: usize, utilisation: f64) -> usize {
        todo!()
    }
}

#[cfg(test)]
#[path = "../checks/autoscaler.rs"]
mod checks;
