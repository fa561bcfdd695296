//! # 남은 데이터 센터가 버틸 수 있는가 / Can the survivors absorb a failure?
//!
//! **한국어** — 데이터 센터 하나가 멈추면 그 트래픽은 남은 곳들로 옮겨 갑니다. 남은 곳이
//! 그 부하를 감당하는지 계산하세요. `load[i]`는 데이터 센터 i가 평소 받는 부하(초당
//! 요청), `capacity[i]`는 처리 용량(초당 요청)입니다.
//!
//! - `after_failure(load, capacity, failed)`: `failed`가 멈춘 뒤 각 데이터 센터의
//!   사용률(부하 / 용량)을 돌려줍니다. 멈춘 곳의 부하는 남은 곳들에 **용량에 비례해서**
//!   나뉩니다. 멈춘 곳의 사용률은 0입니다.
//! - `survives(load, capacity, failed, ceiling)`: 남은 모든 곳의 사용률이 `ceiling`
//!   이하이면 `true`.
//! - `survives_any(load, capacity, ceiling)`: 어느 한 곳이 멈춰도 버티면 `true`
//!   (N+1 설계).
//! - 오류(`Err`): 목록이 비었거나 길이가 다를 때, 데이터 센터가 하나뿐일 때(옮겨 갈 곳이
//!   없음), `failed`가 범위 밖일 때, 부하가 음수·NaN·무한일 때, 용량이 0 이하·NaN·무한일 때,
//!   `ceiling`이 (0, 1] 밖일 때.
//!
//! **English** — When a data center stops, its traffic moves to the others. Work out
//! whether they can carry it. `load[i]` is data center i's normal load (requests/s),
//! `capacity[i]` what it can serve (requests/s).
//!
//! - `after_failure(load, capacity, failed)`: each data center's utilisation (load /
//!   capacity) once `failed` has stopped. Its load is shared among the survivors **in
//!   proportion to their capacity**. The failed one's utilisation is 0.
//! - `survives(load, capacity, failed, ceiling)`: `true` if every survivor's utilisation
//!   is at most `ceiling`.
//! - `survives_any(load, capacity, ceiling)`: `true` if the fleet survives the loss of
//!   any one data center (N + 1 planning).
//! - Errors (`Err`): empty lists or lists of different lengths, a single data center
//!   (nowhere to move to), `failed` out of range, a negative, NaN or infinite load, a
//!   capacity ≤ 0, NaN or infinite, a `ceiling` outside (0, 1].

use scale_lab::{Error, Result};

/// Each data center's utilisation after `failed` stops (its load spread by capacity).
pub fn after_failure(load: &[f64], capacity: &[f64], failed: usize) -> Result<Vec<f64>> {
    check(load, capacity)?;
    if failed >= load.len() {
        return Err(Error::param(
            "failed",
            failed,
            format!("a data center index below {}", load.len()),
        ));
    }
    let survivors: f64 = capacity
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != failed)
        .map(|(_, c)| c)
        .sum();
    let moved = load[failed];
    Ok((0..load.len())
        .map(|i| {
            if i == failed {
                0.0
            } else {
                // This survivor's share of the moved load is its share of the capacity.
                (load[i] + moved * capacity[i] / survivors) / capacity[i]
            }
        })
        .collect())
}

/// Whether every survivor stays at or under `ceiling` when `failed` stops.
pub fn survives(load: &[f64], capacity: &[f64], failed: usize, ceiling: f64) -> Result<bool> {
    check_ceiling(ceiling)?;
    Ok(after_failure(load, capacity, failed)?
        .iter()
        .all(|&u| u <= ceiling))
}

/// Whether the fleet survives the loss of any one data center.
pub fn survives_any(load: &[f64], capacity: &[f64], ceiling: f64) -> Result<bool> {
    check_ceiling(ceiling)?;
    check(load, capacity)?;
    for failed in 0..load.len() {
        if !survives(load, capacity, failed, ceiling)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn check(load: &[f64], capacity: &[f64]) -> Result<()> {
    if load.len() != capacity.len() {
        return Err(Error::InvalidConfig(format!(
            "{} loads for {} capacities: give one of each per data center",
            load.len(),
            capacity.len()
        )));
    }
    if load.len() < 2 {
        return Err(Error::param(
            "data centers",
            load.len(),
            "at least 2 (a survivor must take the traffic)",
        ));
    }
    for &l in load {
        if !(l.is_finite() && l >= 0.0) {
            return Err(Error::param("load", l, "a finite number ≥ 0"));
        }
    }
    for &c in capacity {
        if !(c.is_finite() && c > 0.0) {
            return Err(Error::param("capacity", c, "a finite number > 0"));
        }
    }
    Ok(())
}

fn check_ceiling(ceiling: f64) -> Result<()> {
    if ceiling > 0.0 && ceiling <= 1.0 {
        Ok(())
    } else {
        Err(Error::param("ceiling", ceiling, "a utilisation in (0, 1]"))
    }
}

#[cfg(test)]
#[path = "../checks/survivor_capacity.rs"]
mod checks;
