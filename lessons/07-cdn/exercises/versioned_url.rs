//! # 버전이 붙은 자산 URL / A versioned asset URL
//!
//! **한국어** — 파일 내용의 해시를 이름에 넣어, 내용이 바뀌면 URL도 바뀌게 하세요
//! (캐시 버스팅, cache busting). 그러면 CDN에는 TTL을 아주 길게 줄 수 있습니다.
//!
//! - `fnv1a64(content)`: 64비트 FNV-1a 해시. 시작값 `0xcbf29ce484222325`에서 출발해,
//!   바이트마다 `hash ^= byte` 다음 `hash = hash * 0x100000001b3` (2^64로 나눈 나머지,
//!   `wrapping_mul`)를 합니다.
//! - `versioned_url(path, content)`: 해시를 16자리 소문자 16진수로 쓰고 앞 8자리(`h8`)를
//!   파일 이름의 확장자 앞에 넣습니다. `static/app.js` → `static/app.<h8>.js`.
//!   - 파일 이름은 마지막 `/` 뒤의 부분이고, 디렉터리는 그대로 둡니다(`v1.2/app`의 점은
//!     확장자가 아닙니다).
//!   - 확장자는 파일 이름의 마지막 `.` 뒤입니다: `jquery.min.js` → `jquery.min.<h8>.js`.
//!   - 그 점이 파일 이름의 첫 글자나 마지막 글자이면 확장자가 없는 것으로 보고 끝에
//!     붙입니다: `codes` → `codes.<h8>`, `.env` → `.env.<h8>`, `file.` → `file..<h8>`.
//!   - 파일 이름이 비어 있으면(`""`, `"img/"`) `Err`(매개변수 이름 `path`)입니다.
//! - 같은 입력이면 언제나 같은 결과여야 합니다.
//!
//! **English** — Put a hash of a file's content in its name, so that new content gets a
//! new URL (cache busting). A CDN can then keep the file for a very long TTL.
//!
//! - `fnv1a64(content)`: the 64-bit FNV-1a hash. Start from `0xcbf29ce484222325`; for
//!   each byte, `hash ^= byte`, then `hash = hash * 0x100000001b3` (mod 2^64,
//!   `wrapping_mul`).
//! - `versioned_url(path, content)`: write the hash as 16 lowercase hex digits and put the
//!   first 8 (`h8`) before the file name's extension: `static/app.js` →
//!   `static/app.<h8>.js`.
//!   - The file name is what follows the last `/`; the directories are kept as they are
//!     (the dot in `v1.2/app` is no extension).
//!   - The extension follows the file name's last `.`: `jquery.min.js` →
//!     `jquery.min.<h8>.js`.
//!   - If that dot is the file name's first or last character there is no extension, and
//!     the hash goes at the end: `codes` → `codes.<h8>`, `.env` → `.env.<h8>`,
//!     `file.` → `file..<h8>`.
//!   - An empty file name (`""`, `"img/"`) is an `Err` naming `path`.
//! - The same input always gives the same output.

use scale_lab::Result;

/// The 64-bit FNV-1a hash of `content`.
pub fn fnv1a64(content: &[u8]) -> u64 {
    todo!()
}

/// `path` with the first 8 hex digits of the content's hash before its extension.
pub fn versioned_url(path: &str, content: &[u8]) -> Result<String> {
    todo!()
}

#[cfg(test)]
#[path = "../checks/versioned_url.rs"]
mod checks;
