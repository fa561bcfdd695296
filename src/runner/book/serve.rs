//! `scale-lab serve`: the built site over HTTP on 127.0.0.1, for reading the book in a
//! browser (search and diagrams need http://, not file://). GET and HEAD of files only.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// Serves the site in `dir` on `127.0.0.1:port` (port 0: any free port), prints its
/// address, and answers requests until the process is stopped (Ctrl-C).
pub fn serve(dir: &Path, port: u16) -> Result<()> {
    let root = dir.canonicalize().with_context(|| {
        format!(
            "no site to serve at {}: run `scale-lab build` first",
            dir.display()
        )
    })?;
    if !root.join("index.html").is_file() {
        bail!(
            "no site to serve at {}: it has no index.html (run `scale-lab build` first)",
            dir.display()
        );
    }
    let listener = TcpListener::bind(("127.0.0.1", port))
        .with_context(|| format!("listening on 127.0.0.1:{port}"))?;
    println!(
        "Serving {} at http://{}/ (Ctrl-C to stop)",
        root.display(),
        listener.local_addr()?
    );
    run(listener, root)
}

/// Answers each connection on its own thread.
fn run(listener: TcpListener, root: PathBuf) -> Result<()> {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let root = root.clone();
        std::thread::spawn(move || {
            // A client that goes away mid-answer is no error of ours.
            let _ = answer(stream, &root);
        });
    }
    Ok(())
}

/// Reads one request and answers it; the connection closes after the answer.
fn answer(mut stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.by_ref().take(8192).read_line(&mut request_line)?;
    // Skip the headers: nothing in them changes the answer.
    let mut header = String::new();
    loop {
        header.clear();
        if reader.by_ref().take(8192).read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let head_only = method == "HEAD";
    if method != "GET" && !head_only {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            b"GET or HEAD only\n",
            &[],
            false,
        );
    }
    match resolve(root, target) {
        Found::File(path) => match std::fs::read(&path) {
            Ok(body) => respond(
                &mut stream,
                "200 OK",
                content_type(&path),
                &body,
                &[],
                head_only,
            ),
            Err(_) => not_found(&mut stream, head_only),
        },
        Found::Directory(location) => respond(
            &mut stream,
            "301 Moved Permanently",
            "text/plain; charset=utf-8",
            b"",
            &[("Location", &location)],
            head_only,
        ),
        Found::Nothing => not_found(&mut stream, head_only),
    }
}

fn not_found(stream: &mut TcpStream, head_only: bool) -> std::io::Result<()> {
    respond(
        stream,
        "404 Not Found",
        "text/plain; charset=utf-8",
        b"404 Not Found\n",
        &[],
        head_only,
    )
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
    headers: &[(&str, &str)],
    head_only: bool,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()
}

/// What a request's target names inside the site.
#[derive(Debug, PartialEq)]
enum Found {
    File(PathBuf),
    /// A directory asked for without its trailing `/`: where to redirect.
    Directory(String),
    Nothing,
}

/// Maps a request target to a file under `root`; `..`, backslashes and anything that
/// leads outside `root` (a symbolic link, say) find nothing. A directory is its
/// `index.html`.
fn resolve(root: &Path, target: &str) -> Found {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let Some(decoded) = percent_decode(path) else {
        return Found::Nothing;
    };
    if !decoded.starts_with('/') {
        return Found::Nothing;
    }
    let mut file = root.to_path_buf();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => return Found::Nothing,
            s if s.contains(['\\', '\0']) => return Found::Nothing,
            s => file.push(s),
        }
    }
    let Ok(file) = file.canonicalize() else {
        return Found::Nothing;
    };
    if !file.starts_with(root) {
        return Found::Nothing;
    }
    if file.is_dir() {
        if !decoded.ends_with('/') {
            return Found::Directory(format!("{path}/"));
        }
        let index = file.join("index.html");
        return if index.is_file() {
            Found::File(index)
        } else {
            Found::Nothing
        };
    }
    if file.is_file() {
        Found::File(file)
    } else {
        Found::Nothing
    }
}

/// `%XX` escapes decoded; None if one is malformed or the result is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "wasm" => "application/wasm",
        "txt" | "md" => "text/plain; charset=utf-8",
        // Pagefind's index files (.pagefind, .pf_meta, .pf_index, .pf_fragment, ...)
        // are gzip streams its script unpacks itself: no Content-Encoding.
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "<h1>front</h1>").unwrap();
        std::fs::create_dir(dir.path().join("ko")).unwrap();
        std::fs::write(dir.path().join("ko/index.html"), "<h1>한국어</h1>").unwrap();
        std::fs::write(dir.path().join("ko/01-샤딩 a.html"), "sharding").unwrap();
        std::fs::write(dir.path().join("style.css"), "body{}").unwrap();
        dir
    }

    #[test]
    fn targets_resolve_inside_the_site_only() {
        let site = site();
        let root = site.path().canonicalize().unwrap();
        assert_eq!(resolve(&root, "/"), Found::File(root.join("index.html")));
        assert_eq!(
            resolve(&root, "/ko/"),
            Found::File(root.join("ko/index.html"))
        );
        assert_eq!(resolve(&root, "/ko?x=1"), Found::Directory("/ko/".into()));
        assert_eq!(
            resolve(&root, "/style.css?v=2#top"),
            Found::File(root.join("style.css"))
        );
        assert_eq!(
            resolve(&root, "/ko/01-%EC%83%A4%EB%94%A9%20a.html"),
            Found::File(root.join("ko/01-샤딩 a.html"))
        );
        for bad in [
            "/../etc/passwd",
            "/ko/../../x",
            "/%2e%2e/x",
            "/ko/%2E%2E/%2E%2E/x",
            "/a\\b",
            "/%zz",
            "x.html",
            "/missing.html",
        ] {
            assert_eq!(resolve(&root, bad), Found::Nothing, "{bad}");
        }
    }

    #[test]
    fn answers_files_with_their_type_and_404_otherwise() {
        let site = site();
        let root = site.path().canonicalize().unwrap();
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || run(listener, root));
        let get = |request: &str| {
            let mut stream = TcpStream::connect(address).unwrap();
            stream.write_all(request.as_bytes()).unwrap();
            let mut answer = String::new();
            stream.read_to_string(&mut answer).unwrap();
            answer
        };
        let page = get("GET /ko/ HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
        assert!(
            page.contains("Content-Type: text/html; charset=utf-8\r\n"),
            "{page}"
        );
        assert!(page.ends_with("\r\n\r\n<h1>한국어</h1>"), "{page}");
        let css = get("HEAD /style.css HTTP/1.1\r\n\r\n");
        assert!(
            css.contains("Content-Type: text/css")
                && css.contains("Content-Length: 6\r\n")
                && css.ends_with("\r\n\r\n"),
            "{css}"
        );
        assert!(get("GET /ko HTTP/1.1\r\n\r\n").contains("301 Moved Permanently\r\n"));
        assert!(
            get("GET /nothing.html HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404 Not Found\r\n")
        );
        assert!(
            get("GET /../../etc/passwd HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404 Not Found\r\n")
        );
        assert!(get("POST / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
    }
}
