//! The `scale-lab` Jupyter kernel (`scale-lab setup-jupyter [--uninstall]`): evcxr's
//! Jupyter kernel with a configuration of its own, its build cache warmed at set-up so
//! that a learner's first notebook cell takes seconds, not minutes.
//!
//! - [`setup`] checks rustc, finds or installs Jupyter and evcxr_jupyter at the pinned
//!   [`EVCXR_VERSION`], writes the kernelspec `scale-lab` and evcxr's configuration for it
//!   ([`spec`]), and warms the cache ([`warm`]). Safe to run again: it fixes a stale
//!   kernelspec and leaves what is right alone.
//! - [`uninstall`] removes exactly what set-up added ([`spec::unregister`]).
//!
//! The kernelspec starts evcxr_jupyter through a small launcher (`launch.py`) that gives
//! each running kernel a persistent build directory of its own, so that a new kernel
//! finds the library already built instead of compiling it again.
//!
//! Everything the kernel owns lives in scale-lab's directory (`~/.local/share/scale-lab`,
//! see [`default_home`]): evcxr's configuration (`EVCXR_CONFIG_DIR`), the build
//! directories and evcxr's build cache (`builds/`, the cache as the kernel's
//! `XDG_CACHE_HOME`) and, if needed, its own evcxr_jupyter. The learner's
//! `~/.config/evcxr`, `~/.cache/evcxr` and the plain `rust` kernel are never touched.

pub mod spec;
pub mod tools;
pub mod warm;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub use spec::{Layout, Removal};
pub use warm::Warmed;

/// The kernelspec's name, which the notebooks ask for.
pub const KERNEL_NAME: &str = "scale-lab";
/// The name Jupyter shows for it.
pub const KERNEL_DISPLAY_NAME: &str = "Rust · scale-lab";
/// The evcxr_jupyter version the notebooks were verified with.
pub const EVCXR_VERSION: &str = "0.22.0";
/// The oldest rustc that evcxr_jupyter [`EVCXR_VERSION`] and the library build with.
pub const MIN_RUSTC: tools::Version = (1, 95, 0);
/// evcxr's build cache limit for the kernel, in MiB (a warm cache holds about 450 MB).
pub const CACHE_MIB: u32 = 4000;
/// evcxr's optimisation level in the kernel (`:opt`), chosen by measurement: see
/// ARCHITECTURE.md.
pub const OPT_LEVEL: &str = "2";
/// A cold warm-up's duration in seconds on a 2-core machine, for the learner's estimate
/// (set-up's own report on a nearly idle machine: "156 crates compiled in 367 s").
const COLD_SECONDS: u64 = 370;
/// The number of cache entries a cold warm-up makes when cargo cannot count them (as
/// measured: 156).
const COLD_ENTRIES: usize = 156;

/// How [`setup`] and [`uninstall`] work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// scale-lab's own directory (kernel configuration, cache, evcxr_jupyter if needed).
    pub home: PathBuf,
    /// Jupyter's data directory to register the kernel in (`None`: `jupyter --data-dir`,
    /// which follows `JUPYTER_DATA_DIR`).
    pub jupyter_data_dir: Option<PathBuf>,
    /// Install Jupyter (pip) and evcxr_jupyter (cargo) when missing; `false`: fail with
    /// the command that would install them.
    pub install: bool,
    /// Compile the first cell's dependencies into the cache (the slow part of set-up).
    pub warm: bool,
    /// No progress bars or notes (warnings still show).
    pub quiet: bool,
}

impl Options {
    /// The learner's defaults: [`default_home`], Jupyter's own data directory, install
    /// and warm.
    pub fn for_user() -> anyhow::Result<Options> {
        Ok(Options {
            home: default_home().context(
                "cannot find your home directory (set HOME) for scale-lab's kernel files",
            )?,
            jupyter_data_dir: None,
            install: true,
            warm: true,
            quiet: false,
        })
    }
}

/// scale-lab's directory for the kernel: `$XDG_DATA_HOME/scale-lab` or
/// `~/.local/share/scale-lab` (`~/Library/Application Support/scale-lab` on macOS,
/// `%APPDATA%\scale-lab` on Windows).
pub fn default_home() -> Option<PathBuf> {
    let absolute = |v: &str| {
        std::env::var_os(v)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    if cfg!(windows) {
        return absolute("APPDATA").map(|d| d.join("scale-lab"));
    }
    if cfg!(target_os = "macos") {
        return home_dir().map(|h| h.join("Library/Application Support/scale-lab"));
    }
    absolute("XDG_DATA_HOME")
        .or_else(|| home_dir().map(|h| h.join(".local/share")))
        .map(|d| d.join("scale-lab"))
}

/// The user's home directory (`HOME`, or `USERPROFILE` on Windows).
fn home_dir() -> Option<PathBuf> {
    let var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
    std::env::var_os(var)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
}

/// Jupyter's user data directory when Jupyter cannot be asked: `JUPYTER_DATA_DIR`, else
/// the platform's default.
fn default_jupyter_data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("JUPYTER_DATA_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    if cfg!(windows) {
        return std::env::var_os("APPDATA").map(|d| PathBuf::from(d).join("jupyter"));
    }
    if cfg!(target_os = "macos") {
        return home_dir().map(|h| h.join("Library/Jupyter"));
    }
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| home_dir().map(|h| h.join(".local/share")))
        .map(|d| d.join("jupyter"))
}

/// What [`setup`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct SetupReport {
    /// `rustc --version`.
    pub rustc: String,
    /// The kernelspec directory.
    pub kernel_dir: PathBuf,
    /// evcxr's configuration directory for the kernel.
    pub config_dir: PathBuf,
    /// The evcxr_jupyter the kernel runs.
    pub evcxr_jupyter: PathBuf,
    /// The commands set-up ran to install what was missing.
    pub installed: Vec<String>,
    /// The files it wrote (empty when the registration was already right).
    pub written: Vec<PathBuf>,
    /// The warm-up, if it ran.
    pub warmed: Option<Warmed>,
    /// How long set-up took.
    pub elapsed: Duration,
    /// The command that opens the notebooks.
    pub open_command: String,
}

impl SetupReport {
    /// What to tell the learner, one line each.
    pub fn summary(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "kernel `{KERNEL_NAME}` (\"{KERNEL_DISPLAY_NAME}\") {} in {}",
            if self.written.is_empty() {
                "already registered"
            } else {
                "registered"
            },
            self.kernel_dir.display()
        )];
        lines.push(format!(
            "it runs {} with its own evcxr configuration in {} (yours in ~/.config/evcxr is not used)",
            self.evcxr_jupyter.display(),
            self.config_dir.display()
        ));
        if let Some(w) = &self.warmed {
            lines.push(format!(
                "build cache: {} entries, {} MB{}; a notebook's first cell now takes about {} s",
                w.entries,
                w.bytes / 1_000_000,
                if w.compiled > 0 {
                    format!(
                        " ({} crates compiled in {} s)",
                        w.compiled,
                        w.first.as_secs()
                    )
                } else {
                    String::new()
                },
                w.again.as_secs()
            ));
        }
        lines.push(format!("set-up took {} s", self.elapsed.as_secs()));
        lines.push(format!("open the notebooks with: {}", self.open_command));
        lines
    }
}

/// Sets up the `scale-lab` kernel for the repository at `root` (whose library the
/// notebooks load): checks rustc, finds or installs Jupyter and evcxr_jupyter
/// [`EVCXR_VERSION`], registers the kernelspec with its own evcxr configuration, and
/// warms the build cache with the notebooks' first cell.
pub fn setup(root: &Path, options: &Options) -> anyhow::Result<SetupReport> {
    let started = Instant::now();
    let reporter = Reporter {
        quiet: options.quiet,
    };
    let layout = Layout::new(&options.home);
    let rustc = tools::check_rustc(root)?;
    let mut installed = Vec::new();

    let mut jupyter_installed_with = None;
    let jupyter = match tools::find_jupyter() {
        Some(j) => j,
        None if options.install => {
            let command = tools::install_jupyter(&reporter)?;
            installed.push(command.clone());
            jupyter_installed_with = Some(command);
            tools::find_jupyter().context(
                "JupyterLab was installed but neither `jupyter` nor `python3 -m jupyter` runs it: \
                 open a new terminal (so that PATH is fresh) and run set-up again",
            )?
        }
        None => anyhow::bail!(
            "Jupyter is not installed (no `jupyter lab` and `jupyter nbconvert`): install it with \
             `{}`, or let set-up install it",
            tools::jupyter_install_args()
                .map(|a| format!("python3 {}", a.join(" ")))
                .unwrap_or_else(|_| "python3 -m pip install jupyterlab".into())
        ),
    };
    let data_dir = match &options.jupyter_data_dir {
        Some(dir) => dir.clone(),
        None => jupyter.data_dir()?,
    };

    let evcxr = match tools::find_evcxr(&layout)? {
        Ok(evcxr) => evcxr,
        Err(other) => {
            if let Some(note) = &other {
                reporter.note(note);
            }
            if !options.install {
                anyhow::bail!(
                    "evcxr_jupyter {EVCXR_VERSION} is not installed: install it with `cargo install \
                     evcxr_jupyter --version {EVCXR_VERSION} --locked`, or let set-up install it"
                );
            }
            let (evcxr, command) = tools::install_evcxr(&layout, &reporter)?;
            installed.push(command);
            evcxr
        }
    };

    let registration = spec::register(&layout, &data_dir, &evcxr.path, jupyter_installed_with)?;
    let warmed = if options.warm {
        Some(warm::warm(&jupyter, &data_dir, &layout, root, &reporter)?)
    } else {
        None
    };
    Ok(SetupReport {
        rustc,
        kernel_dir: registration.kernel_dir,
        config_dir: layout.config_dir(),
        evcxr_jupyter: evcxr.path,
        installed,
        written: registration.written,
        warmed,
        elapsed: started.elapsed(),
        open_command: format!(
            "{} lab {}",
            jupyter.shown(),
            shell_quoted(&root.join("notebooks"))
        ),
    })
}

/// Removes what [`setup`] added: the `scale-lab` kernelspecs it wrote (in the manifest, in
/// `options.jupyter_data_dir` and in Jupyter's data directory) and scale-lab's directory
/// `options.home`. Never the learner's evcxr configuration or cache, nor the `rust` kernel.
pub fn uninstall(options: &Options) -> anyhow::Result<Removal> {
    let layout = Layout::new(&options.home);
    let mut data_dirs: Vec<PathBuf> = options.jupyter_data_dir.iter().cloned().collect();
    if let Some(dir) = tools::find_jupyter().and_then(|j| j.data_dir().ok()) {
        data_dirs.push(dir);
    }
    data_dirs.extend(default_jupyter_data_dir());
    data_dirs.dedup();
    spec::unregister(&layout, &data_dirs)
}

/// `path` as one shell word.
fn shell_quoted(path: &Path) -> String {
    let text = path.display().to_string();
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:@".contains(c))
    {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Where set-up reports as it goes: notes and bars on stderr unless quiet.
#[derive(Debug, Clone, Copy)]
pub struct Reporter {
    quiet: bool,
}

impl Reporter {
    fn note(&self, message: &str) {
        if !self.quiet {
            eprintln!("{message}");
        }
    }

    fn warn(&self, message: &str) {
        eprintln!("warning: {message}");
    }

    fn target(&self) -> ProgressDrawTarget {
        if self.quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        }
    }

    fn bar(&self, len: u64, what: &str) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(Some(len), self.target());
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>10.bold} [{bar:30}] {pos}/{len} crates {elapsed} {wide_msg}",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    }

    fn spinner(&self, what: &str) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(None, self.target());
        bar.set_style(
            ProgressStyle::with_template("{prefix:>10.bold} {spinner} {elapsed} {wide_msg}")
                .expect("a valid template"),
        );
        bar.set_prefix(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_quoted_for_the_shell_only_when_needed() {
        assert_eq!(
            shell_quoted(Path::new("/home/a/scale-lab/notebooks")),
            "/home/a/scale-lab/notebooks"
        );
        assert_eq!(
            shell_quoted(Path::new("/home/a/my lab/notebooks")),
            "'/home/a/my lab/notebooks'"
        );
        assert_eq!(shell_quoted(Path::new("/it's")), r"'/it'\''s'");
    }
}
