//! The `scale-lab` kernel's files, without Jupyter: set-up writes the kernelspec, evcxr's
//! configuration and a manifest; writing again changes nothing; a stale kernelspec is
//! fixed; uninstall removes exactly what set-up added, and nothing of the learner's.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use scale_lab::runner::kernel::spec::{self, Layout, Manifest};
use scale_lab::runner::kernel::{CACHE_MIB, EVCXR_VERSION, OPT_LEVEL};
use serde_json::Value;

/// Every file under `dir` (relative path → bytes).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(
                    path.strip_prefix(root).unwrap().to_path_buf(),
                    fs::read(&path).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// A learner's home: their own evcxr configuration and cache, the plain `rust` kernel
/// and a Python kernel.
fn learner_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    write(
        &h.join(".config/evcxr/init.evcxr"),
        ":timing\n:dep rand = \"0.8\"\n",
    );
    write(
        &h.join(".config/evcxr/prelude.rs"),
        "use std::collections::HashMap;\n",
    );
    write(&h.join(".cache/evcxr/123/hits"), "4");
    write(
        &h.join(".local/share/jupyter/kernels/rust/kernel.json"),
        r#"{"argv": ["evcxr_jupyter", "--control_file", "{connection_file}"], "display_name": "Rust"}"#,
    );
    write(
        &h.join(".local/share/jupyter/kernels/rust/version.txt"),
        "1",
    );
    write(
        &h.join(".local/share/jupyter/kernels/python3/kernel.json"),
        "{}",
    );
    home
}

fn kernel_json(data_dir: &Path) -> Value {
    let text = fs::read_to_string(spec::kernel_dir(data_dir).join("kernel.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn setup_writes_the_kernelspec_its_config_and_a_manifest() {
    let home = learner_home();
    let layout = Layout::new(home.path().join(".local/share/scale-lab"));
    let data = home.path().join(".local/share/jupyter");
    let evcxr = Path::new("/opt/evcxr/bin/evcxr_jupyter");

    let done = spec::register(&layout, &data, evcxr, None).unwrap();
    assert_eq!(done.kernel_dir, data.join("kernels/scale-lab"));
    assert_eq!(done.written.len(), 4, "{:?}", done.written);

    let kernel = kernel_json(&data);
    // Jupyter's own Python runs the launcher, which starts evcxr in a build directory.
    assert_eq!(kernel["argv"][0], "python3");
    let launcher = PathBuf::from(kernel["argv"][1].as_str().unwrap());
    assert_eq!(launcher, data.join("kernels/scale-lab/launch.py"));
    assert_eq!(fs::read_to_string(&launcher).unwrap(), spec::LAUNCHER);
    assert_eq!(
        PathBuf::from(kernel["argv"][2].as_str().unwrap()),
        layout.builds_dir()
    );
    assert_eq!(kernel["argv"][3], "/opt/evcxr/bin/evcxr_jupyter");
    assert_eq!(kernel["display_name"], "Rust · scale-lab");
    assert_eq!(
        kernel["metadata"]["scale_lab"]["evcxr_jupyter"],
        EVCXR_VERSION
    );
    let config_dir = PathBuf::from(kernel["env"]["EVCXR_CONFIG_DIR"].as_str().unwrap());
    assert_eq!(config_dir, layout.config_dir());
    assert!(
        config_dir.starts_with(&layout.home),
        "its own config, not ~/.config/evcxr"
    );
    let init = fs::read_to_string(config_dir.join("init.evcxr")).unwrap();
    assert!(
        init.contains(&format!("\n:cache {CACHE_MIB}\n:opt {OPT_LEVEL}\n")),
        "{init}"
    );
    let cache_home = PathBuf::from(kernel["env"]["XDG_CACHE_HOME"].as_str().unwrap());
    assert!(
        cache_home.starts_with(&layout.home),
        "its own cache, not ~/.cache/evcxr"
    );

    let manifest = Manifest::read(&layout).unwrap().unwrap();
    assert_eq!(manifest.kernelspecs, [data.join("kernels/scale-lab")]);
    assert_eq!(manifest.evcxr_jupyter.as_deref(), Some(evcxr));
}

#[test]
fn setup_again_changes_nothing() {
    let home = learner_home();
    let layout = Layout::new(home.path().join("lab"));
    let data = home.path().join("data");
    let evcxr = Path::new("/opt/evcxr/bin/evcxr_jupyter");
    spec::register(&layout, &data, evcxr, Some("pip install jupyterlab".into())).unwrap();
    let before = snapshot(home.path());
    let again = spec::register(&layout, &data, evcxr, None).unwrap();
    assert!(again.written.is_empty(), "{:?}", again.written);
    assert_eq!(snapshot(home.path()), before);
    let manifest = Manifest::read(&layout).unwrap().unwrap();
    assert_eq!(
        manifest.jupyter_installed_with.as_deref(),
        Some("pip install jupyterlab")
    );
}

#[test]
fn setup_fixes_a_stale_registration() {
    let home = learner_home();
    let layout = Layout::new(home.path().join("lab"));
    let data = home.path().join("data");
    spec::register(&layout, &data, Path::new("/old/evcxr_jupyter"), None).unwrap();
    let kernel_file = data.join("kernels/scale-lab/kernel.json");
    let init_before = fs::read(layout.config_dir().join("init.evcxr")).unwrap();

    let again = spec::register(&layout, &data, Path::new("/new/evcxr_jupyter"), None).unwrap();
    assert!(again.written.contains(&kernel_file), "{:?}", again.written);
    assert_eq!(kernel_json(&data)["argv"][3], "/new/evcxr_jupyter");
    assert_eq!(
        fs::read(layout.config_dir().join("init.evcxr")).unwrap(),
        init_before
    );

    // A cache from before the build directories is removed (its entries point into
    // deleted temporary directories); the one in the build directories stays.
    let old_cache = layout.home.join("cache/evcxr/1");
    write(&old_cache.join("hits"), "3");
    write(&layout.evcxr_cache().join("2/hits"), "5");
    let again = spec::register(&layout, &data, Path::new("/new/evcxr_jupyter"), None).unwrap();
    assert_eq!(again.written, [layout.home.join("cache")]);
    assert!(!old_cache.exists());
    assert!(layout.evcxr_cache().join("2/hits").exists());

    // A hand-edited (broken) init file is put right.
    fs::write(layout.config_dir().join("init.evcxr"), ":opt 0\n").unwrap();
    spec::register(&layout, &data, Path::new("/new/evcxr_jupyter"), None).unwrap();
    assert_eq!(
        fs::read(layout.config_dir().join("init.evcxr")).unwrap(),
        init_before
    );
}

#[test]
fn uninstall_removes_exactly_what_setup_added() {
    let home = learner_home();
    let before = snapshot(home.path());
    let layout = Layout::new(home.path().join(".local/share/scale-lab"));
    let data = home.path().join(".local/share/jupyter");
    let other_data = home.path().join("elsewhere/jupyter");
    let evcxr = layout.evcxr_root().join("bin/evcxr_jupyter");
    spec::register(&layout, &data, &evcxr, None).unwrap();
    spec::register(&layout, &other_data, &evcxr, None).unwrap();
    // What the kernel and cargo add there later: the cache, a build directory and its
    // lock, scale-lab's own evcxr.
    write(&layout.evcxr_cache().join("99/hits"), "0");
    write(&layout.builds_dir().join("0/Cargo.toml"), "[package]");
    write(&layout.builds_dir().join("0.lock"), "");
    write(&evcxr, "binary");
    assert_ne!(snapshot(home.path()), before);

    let removal = spec::unregister(&layout, std::slice::from_ref(&data)).unwrap();
    assert_eq!(
        removal.removed,
        [
            data.join("kernels/scale-lab"),
            other_data.join("kernels/scale-lab"),
            layout.home.clone()
        ]
    );
    assert!(removal.notes.is_empty(), "{:?}", removal.notes);
    assert_eq!(
        snapshot(home.path()),
        before,
        "the learner's files, and nothing else, remain"
    );
    // Empty directories that set-up created for the second data directory may remain;
    // no file does.
    assert!(!other_data.join("kernels/scale-lab").exists());

    // Uninstalling again finds nothing and removes nothing.
    let again = spec::unregister(&layout, &[data]).unwrap();
    assert!(
        again.removed.is_empty() && again.notes.is_empty(),
        "{again:?}"
    );
}

#[test]
fn a_kernelspec_scale_lab_did_not_write_is_left_alone() {
    let home = learner_home();
    let layout = Layout::new(home.path().join("lab"));
    let data = home.path().join("data");
    let theirs = data.join("kernels/scale-lab/kernel.json");
    write(
        &theirs,
        r#"{"argv": ["something-else"], "display_name": "Mine"}"#,
    );

    let error = spec::register(&layout, &data, Path::new("/e"), None)
        .unwrap_err()
        .to_string();
    assert!(error.contains("was not written by scale-lab"), "{error}");
    assert!(!layout.manifest().exists());

    let removal = spec::unregister(&layout, std::slice::from_ref(&data)).unwrap();
    assert!(removal.removed.is_empty());
    assert_eq!(removal.notes.len(), 1, "{:?}", removal.notes);
    assert!(theirs.exists());
}

#[test]
fn a_directory_without_the_manifest_is_not_removed() {
    let home = learner_home();
    let layout = Layout::new(home.path().join(".config"));
    let removal = spec::unregister(&layout, &[]).unwrap();
    assert!(removal.removed.is_empty());
    assert!(
        removal.notes[0].contains("scale-lab did not make it"),
        "{:?}",
        removal.notes
    );
    assert!(home.path().join(".config/evcxr/init.evcxr").exists());
}

#[test]
fn uninstall_notes_the_jupyter_that_setup_installed() {
    let home = learner_home();
    let layout = Layout::new(home.path().join("lab"));
    let data = home.path().join("data");
    let command = "python3 -m pip install --user jupyterlab";
    spec::register(&layout, &data, Path::new("/e"), Some(command.into())).unwrap();
    let removal = spec::unregister(&layout, &[]).unwrap();
    assert_eq!(removal.removed.len(), 2);
    assert!(removal.notes[0].contains(command), "{:?}", removal.notes);
}
