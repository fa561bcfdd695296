//! # 가상 노드가 있는 안정 해시 링 / A consistent-hash ring with virtual nodes
//!
//! **한국어.** 노드(샤드, 캐시 서버)를 해시 값의 원 위에 놓고, 키는 자기 해시에서 시계
//! 방향으로 처음 만나는 노드에 속하게 하는 링을 구현하세요. 노드 하나는 가상 노드
//! (virtual node) `vnodes` 개, 곧 링 위의 점 `vnodes` 개로 놓입니다.
//!
//! - 노드 `name` 의 i 번째 점(i = 0..vnodes)의 위치는 `hash_str(&format!("{name}#{i}"))`,
//!   키 `key` 의 위치는 `hash_str(key)` 입니다 (`scale_lab::model::hashing::hash_str`).
//! - `node_for(key)`: 위치가 키의 위치 **이상**인 점 중 가장 작은 점의 노드입니다. 그런 점이
//!   없으면(키가 마지막 점보다 뒤에 있으면) 링을 한 바퀴 돌아 **가장 작은** 점의 노드입니다.
//! - 빈 링에서 `node_for` 는 `None` 입니다.
//! - `new(0)`, 빈 이름이나 이미 있는 이름의 `add_node`, 없는 이름의 `remove_node` 는 `Err`
//!   입니다. 노드를 빼면 그 노드의 점이 모두 사라지고, 다른 노드의 키는 움직이지 않아야 합니다.
//! - 두 점의 위치가 같을 확률은 무시해도 됩니다.
//!
//! **English.** Implement a ring that places nodes (shards, cache servers) on a circle of
//! hash values; a key belongs to the first node clockwise from its own hash. A node sits
//! at `vnodes` points of the ring (its virtual nodes).
//!
//! - Point i (i = 0..vnodes) of node `name` is at `hash_str(&format!("{name}#{i}"))`; key
//!   `key` is at `hash_str(key)` (`scale_lab::model::hashing::hash_str`).
//! - `node_for(key)`: the node of the smallest point whose position is **at or after**
//!   the key's. If there is none (the key is past the last point), wrap around: the node
//!   of the **smallest** point.
//! - On an empty ring `node_for` is `None`.
//! - `new(0)`, `add_node` with an empty name or a name already there, and `remove_node`
//!   of a name not there are `Err`. Removing a node removes all its points; no other
//!   node's keys may move.
//! - You may ignore the chance of two points at the same position.

use scale_lab::model::hashing::hash_str;
use scale_lab::{Error, Result};

/// A consistent-hash ring of named nodes, each at `vnodes` points.
#[derive(Debug, Clone)]
pub struct Ring {
    // your fields here
    _todo: (),
}

impl Ring {
    /// An empty ring whose nodes will each get `vnodes` ≥ 1 points.
    pub fn new(vnodes: usize) -> Result<Self> {
        todo!("check vnodes, start with no points")
    }

    /// Adds node `name` (its `vnodes` points).
    pub fn add_node(&mut self, name: &str) -> Result<()> {
        todo!(
            "reject empty or duplicate names, then add the points at hash_str(\"{{name}}#{{i}}\")"
        )
    }

    /// Removes node `name` (all its points).
    pub fn remove_node(&mut self, name: &str) -> Result<()> {
        todo!("reject unknown names, then drop the node's points")
    }

    /// The node that owns `key`, or `None` if the ring is empty.
    pub fn node_for(&self, key: &str) -> Option<&str> {
        todo!("find the first point at or after hash_str(key), wrapping around")
    }

    /// How many nodes are on the ring.
    pub fn len(&self) -> usize {
        todo!("count the nodes")
    }

    /// Whether the ring has no node.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
#[path = "../checks/ring.rs"]
mod checks;
