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
    vnodes: usize,
    /// (position, node name), sorted by position: a lookup is a binary search.
    points: Vec<(u64, String)>,
    /// The node names, sorted.
    nodes: Vec<String>,
}

impl Ring {
    /// An empty ring whose nodes will each get `vnodes` ≥ 1 points.
    pub fn new(vnodes: usize) -> Result<Self> {
        if vnodes == 0 {
            return Err(Error::param("vnodes", vnodes, "at least 1"));
        }
        Ok(Ring {
            vnodes,
            points: Vec::new(),
            nodes: Vec::new(),
        })
    }

    /// Adds node `name` (its `vnodes` points).
    pub fn add_node(&mut self, name: &str) -> Result<()> {
        if name.is_empty() {
            return Err(Error::InvalidConfig("a node needs a name".into()));
        }
        let at = match self.nodes.binary_search_by(|n| n.as_str().cmp(name)) {
            Ok(_) => {
                return Err(Error::InvalidConfig(format!(
                    "node `{name}` is already on the ring"
                )));
            }
            Err(at) => at,
        };
        self.nodes.insert(at, name.to_string());
        for i in 0..self.vnodes {
            self.points
                .push((hash_str(&format!("{name}#{i}")), name.to_string()));
        }
        // Sorting by position once per node keeps lookups a binary search.
        self.points.sort_unstable();
        Ok(())
    }

    /// Removes node `name` (all its points).
    pub fn remove_node(&mut self, name: &str) -> Result<()> {
        let at = self
            .nodes
            .binary_search_by(|n| n.as_str().cmp(name))
            .map_err(|_| Error::InvalidConfig(format!("node `{name}` is not on the ring")))?;
        self.nodes.remove(at);
        // The other points keep their positions: only this node's keys move.
        self.points.retain(|(_, n)| n != name);
        Ok(())
    }

    /// The node that owns `key`, or `None` if the ring is empty.
    pub fn node_for(&self, key: &str) -> Option<&str> {
        if self.points.is_empty() {
            return None;
        }
        let h = hash_str(key);
        // The first point at or after the key's hash...
        let i = self.points.partition_point(|(p, _)| *p < h);
        // ...or, past the last point, the first point of the ring (wrap around).
        let i = if i == self.points.len() { 0 } else { i };
        Some(self.points[i].1.as_str())
    }

    /// How many nodes are on the ring.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the ring has no node.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
#[path = "../checks/ring.rs"]
mod checks;
