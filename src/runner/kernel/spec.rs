//! The files that set-up writes and uninstall removes: the `scale-lab` kernelspec, evcxr's
//! configuration for it, and a manifest of both in scale-lab's own directory. File work
//! only (no Jupyter, no evcxr), so that it is tested on temporary directories.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{CACHE_MIB, EVCXR_VERSION, KERNEL_DISPLAY_NAME, KERNEL_NAME, OPT_LEVEL};

/// The manifest's file name in scale-lab's directory; its presence marks the directory
/// as scale-lab's (uninstall removes only a directory that holds it).
const MANIFEST: &str = "scale-lab-kernel.json";

/// Where everything of the kernel lives inside scale-lab's own directory (`home`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// scale-lab's directory (by default `~/.local/share/scale-lab`).
    pub home: PathBuf,
}

impl Layout {
    /// The layout of the directory `home`.
    pub fn new(home: impl Into<PathBuf>) -> Layout {
        Layout { home: home.into() }
    }

    /// evcxr's configuration directory for the kernel (`EVCXR_CONFIG_DIR`): `init.evcxr`.
    pub fn config_dir(&self) -> PathBuf {
        self.home.join("evcxr")
    }

    /// The kernels' build directories (`0` .. `7`, one per running kernel, handed out by
    /// the launcher) and evcxr's build cache (`cache/`): everything that building makes,
    /// removable as one to reclaim disk space.
    pub fn builds_dir(&self) -> PathBuf {
        self.home.join("builds")
    }

    /// The kernel's `XDG_CACHE_HOME`: evcxr keeps its build cache in `evcxr/` under it.
    pub fn cache_home(&self) -> PathBuf {
        self.builds_dir().join("cache")
    }

    /// Where the cache lived before the build directories (removed by [`register`]: its
    /// entries point into deleted temporary directories, which makes cargo rebuild).
    fn old_cache_home(&self) -> PathBuf {
        self.home.join("cache")
    }

    /// evcxr's build cache of the kernel.
    pub fn evcxr_cache(&self) -> PathBuf {
        self.cache_home().join("evcxr")
    }

    /// The cargo install root of scale-lab's own evcxr_jupyter (used when the default
    /// one is missing or another version).
    pub fn evcxr_root(&self) -> PathBuf {
        self.home.join("evcxr_jupyter")
    }

    /// Where set-up runs its warming notebook (removed afterwards).
    pub fn warm_dir(&self) -> PathBuf {
        self.home.join("warm")
    }

    /// The manifest of what set-up added.
    pub fn manifest(&self) -> PathBuf {
        self.home.join(MANIFEST)
    }
}

/// The kernelspec directory of the `scale-lab` kernel in a Jupyter data directory.
pub fn kernel_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("kernels").join(KERNEL_NAME)
}

/// The launcher in the kernelspec (`launch.py`): it gives each running kernel a build
/// directory of its own that outlives it, so that a new kernel finds the library built.
pub const LAUNCHER: &str = include_str!("launch.py");

/// The launcher's file name in the kernelspec directory.
const LAUNCHER_FILE: &str = "launch.py";

/// evcxr's `init.evcxr` for the kernel: the build cache on and the optimisation level,
/// nothing else.
pub fn init_evcxr() -> String {
    format!(
        "// Written by `scale-lab setup-jupyter` for the scale-lab kernel (your own\n\
         // ~/.config/evcxr is not used by it). Build cache in MiB, optimisation level.\n\
         :cache {CACHE_MIB}\n\
         :opt {OPT_LEVEL}\n"
    )
}

/// The kernelspec's `kernel.json` for the kernelspec directory `kernel_dir`: its
/// [`LAUNCHER`] (run by Jupyter's own Python, which Jupyter puts in place of `python3`)
/// starts evcxr_jupyter at `evcxr_jupyter` in one of `layout`'s build directories, with
/// evcxr's configuration and cache in `layout`'s directory.
///
/// `JUPYTER_PATH` points at scale-lab's directory (which has no `kernels/rust`) so that
/// evcxr_jupyter, which rewrites the `rust` kernelspec it finds when its version differs,
/// never touches the learner's plain `rust` kernel.
pub fn kernel_json(layout: &Layout, kernel_dir: &Path, evcxr_jupyter: &Path) -> String {
    let path = |p: &Path| p.display().to_string();
    // serde_json keeps keys in insertion order or sorted (by feature): insert sorted.
    let value = json!({
        "argv": [
            "python3",
            path(&kernel_dir.join(LAUNCHER_FILE)),
            path(&layout.builds_dir()),
            path(evcxr_jupyter),
            "--control_file",
            "{connection_file}",
        ],
        "display_name": KERNEL_DISPLAY_NAME,
        "env": {
            "EVCXR_CONFIG_DIR": path(&layout.config_dir()),
            "JUPYTER_PATH": path(&layout.home),
            "XDG_CACHE_HOME": path(&layout.cache_home()),
        },
        "interrupt_mode": "message",
        "language": "rust",
        "metadata": {
            "scale_lab": {
                "evcxr_jupyter": EVCXR_VERSION,
                "home": path(&layout.home),
                "written_by": "scale-lab setup-jupyter (remove with `scale-lab setup-jupyter --uninstall`)",
            },
        },
    });
    let mut text = serde_json::to_string_pretty(&value).expect("a JSON value serialises");
    text.push('\n');
    text
}

/// Whether `kernel.json` text was written by scale-lab (it carries `metadata.scale_lab`).
pub fn is_ours(kernel_json: &str) -> bool {
    serde_json::from_str::<Value>(kernel_json)
        .ok()
        .and_then(|v| v.get("metadata")?.get("scale_lab").cloned())
        .is_some()
}

/// What set-up added, kept in scale-lab's directory for uninstall.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Every kernelspec directory set-up wrote.
    pub kernelspecs: Vec<PathBuf>,
    /// The evcxr_jupyter the kernel runs.
    pub evcxr_jupyter: Option<PathBuf>,
    /// The command that installed Jupyter, if set-up installed it.
    pub jupyter_installed_with: Option<String>,
}

impl Manifest {
    /// The manifest in `layout`'s directory, if there is one.
    pub fn read(layout: &Layout) -> anyhow::Result<Option<Manifest>> {
        let path = layout.manifest();
        match fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .with_context(|| format!("{} is not a scale-lab kernel manifest", path.display())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("the manifest serialises");
        text.push('\n');
        text
    }
}

/// What [`register`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The kernelspec directory.
    pub kernel_dir: PathBuf,
    /// The files it wrote because they were missing or different, and the stale cache it
    /// removed (empty when everything was already as it should be).
    pub written: Vec<PathBuf>,
}

/// Writes the `scale-lab` kernelspec into `data_dir/kernels/scale-lab` (its launcher
/// running `evcxr_jupyter`, an absolute path), evcxr's configuration into `layout`, and
/// the manifest; removes a cache left from before the build directories. Idempotent:
/// files already right are left alone, a stale kernelspec (another evcxr_jupyter,
/// another directory) is rewritten. A `scale-lab` kernelspec that
/// scale-lab did not write is an error, not overwritten.
pub fn register(
    layout: &Layout,
    data_dir: &Path,
    evcxr_jupyter: &Path,
    jupyter_installed_with: Option<String>,
) -> anyhow::Result<Registration> {
    let kernel_dir = kernel_dir(data_dir);
    let kernel_file = kernel_dir.join("kernel.json");
    match fs::read_to_string(&kernel_file) {
        Ok(text) if !is_ours(&text) => bail!(
            "{} exists and was not written by scale-lab: remove that kernelspec (`jupyter \
             kernelspec remove {KERNEL_NAME}`) and run set-up again",
            kernel_dir.display()
        ),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", kernel_file.display())),
    }
    // The manifest first: whatever happens next, uninstall knows what to remove.
    let mut manifest = Manifest::read(layout)?.unwrap_or_default();
    if !manifest.kernelspecs.contains(&kernel_dir) {
        manifest.kernelspecs.push(kernel_dir.clone());
    }
    manifest.evcxr_jupyter = Some(evcxr_jupyter.to_path_buf());
    if jupyter_installed_with.is_some() {
        manifest.jupyter_installed_with = jupyter_installed_with;
    }
    let mut written = Vec::new();
    let files = [
        (layout.manifest(), manifest.to_text()),
        (layout.config_dir().join("init.evcxr"), init_evcxr()),
        (kernel_dir.join(LAUNCHER_FILE), LAUNCHER.to_string()),
        (kernel_file, kernel_json(layout, &kernel_dir, evcxr_jupyter)),
    ];
    for (path, text) in files {
        if write_if_changed(&path, text.as_bytes())? {
            written.push(path);
        }
    }
    let old_cache = layout.old_cache_home();
    if old_cache.is_dir() {
        fs::remove_dir_all(&old_cache)
            .with_context(|| format!("cannot remove {}", old_cache.display()))?;
        written.push(old_cache);
    }
    Ok(Registration {
        kernel_dir,
        written,
    })
}

/// What [`unregister`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removal {
    /// The directories it removed.
    pub removed: Vec<PathBuf>,
    /// Things it left on purpose, and why (one sentence each).
    pub notes: Vec<String>,
}

/// Removes exactly what [`register`] added: the `scale-lab` kernelspecs listed in the
/// manifest or found in `data_dirs` (only those scale-lab wrote) and scale-lab's directory
/// (only if it holds the manifest). Never the learner's evcxr configuration or cache, the
/// `rust` kernelspec, or Jupyter itself (a note says how to remove Jupyter if set-up
/// installed it).
pub fn unregister(layout: &Layout, data_dirs: &[PathBuf]) -> anyhow::Result<Removal> {
    let manifest = Manifest::read(layout)?;
    let mut kernel_dirs: Vec<PathBuf> = manifest
        .as_ref()
        .map(|m| m.kernelspecs.clone())
        .unwrap_or_default();
    for data_dir in data_dirs {
        let dir = kernel_dir(data_dir);
        if !kernel_dirs.contains(&dir) {
            kernel_dirs.push(dir);
        }
    }
    let mut removal = Removal::default();
    for dir in kernel_dirs {
        let file = dir.join("kernel.json");
        match fs::read_to_string(&file) {
            Ok(text) if is_ours(&text) => remove_dir(&dir, &mut removal)?,
            Ok(_) => removal.notes.push(format!(
                "left {}: it was not written by scale-lab",
                dir.display()
            )),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", file.display())),
        }
    }
    match &manifest {
        Some(manifest) => {
            remove_dir(&layout.home, &mut removal)?;
            if let Some(command) = &manifest.jupyter_installed_with {
                removal.notes.push(format!(
                    "set-up installed Jupyter with `{command}`; it stays, since other notebooks may \
                     use it (remove it with `python3 -m pip uninstall jupyterlab` if you wish)"
                ));
            }
        }
        None if layout.home.exists() => removal.notes.push(format!(
            "left {}: it has no {MANIFEST}, so scale-lab did not make it",
            layout.home.display()
        )),
        None => {}
    }
    Ok(removal)
}

fn remove_dir(dir: &Path, removal: &mut Removal) -> anyhow::Result<()> {
    fs::remove_dir_all(dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    removal.removed.push(dir.to_path_buf());
    Ok(())
}

/// Writes `bytes` to `path` (creating its directory) unless the file already holds
/// exactly these bytes. Returns whether it wrote.
pub(super) fn write_if_changed(path: &Path, bytes: &[u8]) -> anyhow::Result<bool> {
    match fs::read(path) {
        Ok(old) if old == bytes => return Ok(false),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_json_runs_evcxr_with_scale_labs_own_config_and_cache() {
        let layout = Layout::new("/home/learner/.local/share/scale-lab");
        let text = kernel_json(
            &layout,
            Path::new("/jupyter/kernels/scale-lab"),
            Path::new("/opt/bin/evcxr_jupyter"),
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v["argv"],
            json!([
                "python3",
                "/jupyter/kernels/scale-lab/launch.py",
                "/home/learner/.local/share/scale-lab/builds",
                "/opt/bin/evcxr_jupyter",
                "--control_file",
                "{connection_file}"
            ])
        );
        assert_eq!(v["display_name"], "Rust · scale-lab");
        assert_eq!(v["language"], "rust");
        assert_eq!(
            v["env"],
            json!({
                "EVCXR_CONFIG_DIR": "/home/learner/.local/share/scale-lab/evcxr",
                "JUPYTER_PATH": "/home/learner/.local/share/scale-lab",
                "XDG_CACHE_HOME": "/home/learner/.local/share/scale-lab/builds/cache",
            })
        );
        assert!(is_ours(&text));
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn a_kernelspec_without_the_marker_is_not_ours() {
        assert!(!is_ours(
            r#"{"argv": ["evcxr_jupyter"], "display_name": "Rust"}"#
        ));
        assert!(!is_ours("not json"));
    }

    #[test]
    fn init_file_turns_the_cache_on_and_sets_the_optimisation_level_only() {
        let init = init_evcxr();
        let commands: Vec<&str> = init.lines().filter(|l| !l.starts_with("//")).collect();
        assert_eq!(
            commands,
            [format!(":cache {CACHE_MIB}"), format!(":opt {OPT_LEVEL}")]
        );
    }

    #[test]
    fn layout_keeps_everything_under_home() {
        let layout = Layout::new("/h");
        for p in [
            layout.config_dir(),
            layout.builds_dir(),
            layout.cache_home(),
            layout.evcxr_cache(),
            layout.evcxr_root(),
            layout.warm_dir(),
            layout.manifest(),
        ] {
            assert!(
                p.starts_with("/h") && p != Path::new("/h"),
                "{}",
                p.display()
            );
        }
        assert_eq!(layout.evcxr_cache(), Path::new("/h/builds/cache/evcxr"));
    }
}
