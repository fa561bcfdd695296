//! # 키셋 페이징 / Keyset pagination
//!
//! **한국어.** `ids`는 오름차순으로 정렬되고 중복이 없는 id 목록입니다 (인덱스라고
//! 생각하세요). 두 가지 페이징을 구현합니다.
//!
//! - [`offset_page`]: `OFFSET page × size LIMIT size`. 앞의 `page × size`개를 건너뛰고 최대
//!   `size`개를 돌려줍니다. 끝을 지나면 빈 목록입니다. (비교용입니다. 간단합니다.)
//! - [`keyset_page`]: `WHERE id > after ORDER BY id LIMIT limit`. `after`가 `None`이면
//!   처음부터, `Some(x)`이면 `x`보다 큰 첫 id부터 최대 `limit`개를 돌려줍니다. `x`가 목록에
//!   없어도 됩니다 (그사이 삭제된 행). 시작 위치는 **이진 탐색**으로 찾으세요
//!   (`slice::partition_point`): 인덱스 탐색처럼 앞의 행을 하나씩 읽지 않아야 합니다.
//!   [`Page::next`]는 이 페이지 뒤에 id가 더 있으면 `Some(이 페이지의 마지막 id)`, 없으면
//!   `None`입니다 (남은 id가 정확히 `limit`개였다면 `None`).
//! - `size` 또는 `limit`가 0이면 [`PageError::ZeroLimit`]입니다.
//!
//! 검사 중 하나는 페이지를 넘기는 도중에 행이 추가될 때 OFFSET은 같은 행을 두 번
//! 보여 주지만 키셋은 그렇지 않다는 것을 확인합니다.
//!
//! **English.** `ids` is sorted ascending with no duplicates (think of it as an index).
//! Implement two kinds of paging:
//!
//! - [`offset_page`]: `OFFSET page × size LIMIT size`: skip the first `page × size` ids and
//!   return at most `size`; past the end, an empty list. (For comparison; it is simple.)
//! - [`keyset_page`]: `WHERE id > after ORDER BY id LIMIT limit`: with `after = None` from
//!   the start, with `Some(x)` from the first id greater than `x`, at most `limit` ids. `x`
//!   need not be in the list (a row deleted meanwhile). Find the start with a **binary
//!   search** (`slice::partition_point`): like an index seek, never walk the ids before it.
//!   [`Page::next`] is `Some(the page's last id)` if more ids follow this page, `None`
//!   otherwise (also when exactly `limit` ids were left).
//! - A `size` or `limit` of 0 is [`PageError::ZeroLimit`].
//!
//! One check pages through a list while rows are inserted: OFFSET shows a row twice,
//! keyset does not.

/// One page of keyset pagination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The ids on this page, ascending.
    pub items: Vec<u64>,
    /// What to pass as `after` for the next page, if there is one.
    pub next: Option<u64>,
}

/// What can be wrong with a request for a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageError {
    /// A page of zero rows was asked for.
    ZeroLimit,
}

/// `OFFSET page × size LIMIT size` over `ids`.
pub fn offset_page(ids: &[u64], page: usize, size: usize) -> Result<Vec<u64>, PageError> {
    if size == 0 {
        return Err(PageError::ZeroLimit);
    }
    // saturating_mul: a huge page number is simply past the end.
    Ok(ids
        .iter()
        .skip(page.saturating_mul(size))
        .take(size)
        .copied()
        .collect())
}

/// `WHERE id > after ORDER BY id LIMIT limit` over `ids`, by binary search.
pub fn keyset_page(ids: &[u64], after: Option<u64>, limit: usize) -> Result<Page, PageError> {
    if limit == 0 {
        return Err(PageError::ZeroLimit);
    }
    let start = match after {
        None => 0,
        // The first position whose id is greater than `after`: O(log n), like an index seek.
        Some(after) => ids.partition_point(|&id| id <= after),
    };
    let end = start.saturating_add(limit).min(ids.len());
    let items = ids[start..end].to_vec();
    let next = if end < ids.len() {
        items.last().copied()
    } else {
        None
    };
    Ok(Page { items, next })
}

#[cfg(test)]
#[path = "../checks/keyset.rs"]
mod checks;
