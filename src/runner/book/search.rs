//! The site's search: Pagefind indexes the built pages of both books into
//! `out/pagefind/`, one index per `<html lang>`, so a Korean page searches the Korean
//! pages and an English page the English ones. Pagefind matches word prefixes, so `샤딩`
//! also finds `샤딩은` and `샤딩을` (Korean attaches particles to words).

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

use crate::lang::Lang;

/// Pages of an mdBook that are not lessons: the 404 page and the sidebar for readers
/// without JavaScript.
const NOT_INDEXED: [&str; 2] = ["404.html", "toc.html"];

/// A page's content is its `<main>` (not the menu bar, sidebar or keyboard help), so its
/// first `<h1>` is the page's own title; within it, the language link and the diagrams'
/// sources (mermaid syntax, not prose) are not indexed either.
const CONTENT: &str = "main";
const EXCLUDED: [&str; 2] = [".sl-lang", "pre.mermaid"];

/// Indexes `out/{ko,en}/*.html` into `out/pagefind/`.
pub(super) fn index(out: &Path) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .context("starting the search indexer's runtime")?;
    let files = runtime.block_on(async {
        let config = PagefindServiceConfig::builder()
            .root_selector(CONTENT.to_string())
            .exclude_selectors(EXCLUDED.iter().map(|s| s.to_string()).collect())
            .build();
        let mut index = PagefindIndex::new(Some(config)).context("configuring the search index")?;
        for lang in Lang::ALL {
            for (name, html) in pages(&out.join(lang.code()))? {
                let url = format!("/{}/{name}", lang.code());
                index
                    .add_html_file(None, Some(url.clone()), html)
                    .await
                    .with_context(|| format!("indexing {url} for search"))?;
            }
        }
        index.get_files().await.context("building the search index")
    })?;
    let dir = out.join("pagefind");
    for file in files {
        let path = dir.join(&file.filename);
        fs::create_dir_all(path.parent().expect("a search file has a parent directory"))
            .with_context(|| format!("creating {}", dir.display()))?;
        fs::write(&path, &file.contents).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The HTML pages directly in `dir`, by name, sorted (the index must not depend on the
/// order the file system lists them in).
fn pages(dir: &Path) -> Result<Vec<(String, String)>> {
    let mut pages = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.ends_with(".html") && !NOT_INDEXED.contains(&name) {
            let html =
                fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            pages.push((name.to_string(), html));
        }
    }
    pages.sort();
    Ok(pages)
}
