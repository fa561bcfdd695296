use super::*;

#[test]
fn fnv1a64_matches_the_published_test_vectors() {
    assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
}

#[test]
fn the_hash_goes_before_the_extension() {
    // fnv1a64(b"a") = af63dc4c8601ec8c: the first 8 hex digits are af63dc4c.
    assert_eq!(versioned_url("app.js", b"a").unwrap(), "app.af63dc4c.js");
    assert_eq!(
        versioned_url("static/codes.json", b"a").unwrap(),
        "static/codes.af63dc4c.json"
    );
    assert_eq!(
        versioned_url("jquery.min.js", b"a").unwrap(),
        "jquery.min.af63dc4c.js",
        "only the last dot starts the extension"
    );
}

#[test]
fn names_without_an_extension_get_the_hash_at_the_end() {
    // fnv1a64(b"") = cbf29ce484222325.
    assert_eq!(versioned_url("codes", b"").unwrap(), "codes.cbf29ce4");
    assert_eq!(versioned_url(".env", b"").unwrap(), ".env.cbf29ce4");
    assert_eq!(versioned_url("file.", b"").unwrap(), "file..cbf29ce4");
    assert_eq!(
        versioned_url("v1.2/app", b"").unwrap(),
        "v1.2/app.cbf29ce4",
        "a dot in a directory is no extension"
    );
}

#[test]
fn leading_zeros_of_the_hash_are_kept() {
    // Eight hex digits always, even when the hash starts with zeros.
    let content = (0u32..)
        .map(|i| i.to_le_bytes())
        .find(|c| fnv1a64(c) >> 60 == 0)
        .expect("some content hashes below 2^60");
    let url = versioned_url("a.css", &content).unwrap();
    let expected = format!("a.{}.css", &format!("{:016x}", fnv1a64(&content))[..8]);
    assert_eq!(url, expected);
    assert!(url.starts_with("a.0"), "{url}");
}

#[test]
fn same_content_same_url_new_content_new_url() {
    let v1 = versioned_url("codes.json", br#"{"A01":"Seoul"}"#).unwrap();
    let again = versioned_url("codes.json", br#"{"A01":"Seoul"}"#).unwrap();
    let v2 = versioned_url("codes.json", br#"{"A01":"Busan"}"#).unwrap();
    assert_eq!(v1, again);
    assert_ne!(v1, v2);
    assert_eq!(v1.len(), "codes..json".len() + 8);
}

#[test]
fn an_empty_file_name_is_an_error() {
    for path in ["", "img/", "a/b/"] {
        let err = versioned_url(path, b"x").unwrap_err();
        assert!(err.to_string().contains("path"), "{path:?}: {err}");
    }
}
