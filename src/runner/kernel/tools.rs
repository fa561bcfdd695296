//! The programs the kernel needs, found or installed: rustc (checked, never installed),
//! Jupyter (JupyterLab with nbconvert, installed with pip) and evcxr_jupyter at the
//! pinned version (installed with cargo into scale-lab's own directory).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{Context, bail};

use super::Reporter;
use super::spec::Layout;
use super::{EVCXR_VERSION, MIN_RUSTC};

/// The Python interpreter set-up uses to install Jupyter.
#[cfg(windows)]
const PYTHON: &str = "python";
#[cfg(not(windows))]
const PYTHON: &str = "python3";

/// A rustc version (major, minor, patch).
pub type Version = (u32, u32, u32);

/// The version in `rustc --version` output (`rustc 1.95.0 (59807616e 2026-04-14)`,
/// `rustc 1.96.0-nightly (...)`).
pub fn parse_rustc_version(text: &str) -> Option<Version> {
    let word = text
        .trim()
        .strip_prefix("rustc ")?
        .split_whitespace()
        .next()?;
    let number = word.split('-').next()?;
    let mut parts = number.split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}

/// Checks that `found` (rustc's version) is new enough for evcxr_jupyter and the library:
/// a clear message instead of a wall of compiler errors.
pub fn require_rustc(found: Version) -> anyhow::Result<()> {
    if found >= MIN_RUSTC {
        return Ok(());
    }
    let (major, minor, patch) = found;
    let (need_major, need_minor, _) = MIN_RUSTC;
    bail!(
        "Rust {major}.{minor}.{patch} is too old: the scale-lab kernel (evcxr_jupyter \
         {EVCXR_VERSION}) and the scale-lab library need rustc {need_major}.{need_minor} or newer. \
         Update Rust with `rustup update stable` (or your system's package manager), then run \
         `scale-lab setup-jupyter` again."
    )
}

/// Runs `rustc --version` in `dir` (where the kernel will compile) and checks it.
pub fn check_rustc(dir: &Path) -> anyhow::Result<String> {
    let output = Command::new("rustc")
        .arg("--version")
        .current_dir(dir)
        .output();
    let output = match output {
        Ok(o) if o.status.success() => o,
        _ => bail!(
            "Rust is not installed (`rustc --version` does not run): install it from \
             https://rustup.rs, then run `scale-lab setup-jupyter` again"
        ),
    };
    let text = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let version = parse_rustc_version(&text)
        .with_context(|| format!("cannot read rustc's version from `{text}`"))?;
    require_rustc(version)?;
    Ok(text)
}

/// How to run Jupyter here: `jupyter`, or `python3 -m jupyter` (when pip put Jupyter's
/// scripts in a directory that is not on PATH).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jupyter {
    program: String,
    args: Vec<String>,
}

impl Jupyter {
    /// A command running Jupyter (add the subcommand and its arguments).
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        command
    }

    /// The command as a learner types it.
    pub fn shown(&self) -> String {
        std::iter::once(self.program.as_str())
            .chain(self.args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Jupyter's user data directory (`jupyter --data-dir`; it follows `JUPYTER_DATA_DIR`).
    pub fn data_dir(&self) -> anyhow::Result<PathBuf> {
        let output = self
            .command()
            .arg("--data-dir")
            .output()
            .with_context(|| format!("cannot run `{} --data-dir`", self.shown()))?;
        if !output.status.success() {
            bail!(
                "`{} --data-dir` failed: {}",
                self.shown(),
                stderr_tail(&output)
            );
        }
        let text = String::from_utf8_lossy(&output.stdout).trim().to_string();
        if text.is_empty() {
            bail!("`{} --data-dir` printed nothing", self.shown());
        }
        Ok(PathBuf::from(text))
    }

    /// Whether `jupyter <subcommand> --version` runs.
    fn has(&self, subcommand: &str) -> bool {
        self.command()
            .args([subcommand, "--version"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

/// The first way of running Jupyter that has both JupyterLab (for the learner) and
/// nbconvert (to warm the cache), if any.
pub fn find_jupyter() -> Option<Jupyter> {
    let candidates = [
        Jupyter {
            program: "jupyter".into(),
            args: Vec::new(),
        },
        Jupyter {
            program: PYTHON.into(),
            args: vec!["-m".into(), "jupyter".into()],
        },
    ];
    candidates
        .into_iter()
        .find(|j| j.has("nbconvert") && j.has("lab"))
}

/// The pip command that installs JupyterLab (with nbconvert): `--user` unless Python
/// runs as root or in a virtual environment (where `--user` is wrong).
pub fn jupyter_install_args() -> anyhow::Result<Vec<String>> {
    let probe = Command::new(PYTHON)
        .args([
            "-c",
            "import os, sys; print(int(sys.prefix != sys.base_prefix or \
             (hasattr(os, 'geteuid') and os.geteuid() == 0)))",
        ])
        .output();
    let system_wide = match probe {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim() == "1",
        _ => bail!(
            "Jupyter is not installed, and neither is Python 3 (`{PYTHON}` does not run): install \
             Python 3 with pip (for example `sudo apt install python3-pip`), then run \
             `scale-lab setup-jupyter` again"
        ),
    };
    let mut args: Vec<String> = ["-m", "pip", "install"].map(String::from).to_vec();
    if !system_wide {
        args.push("--user".into());
    }
    args.push("jupyterlab".into());
    Ok(args)
}

/// Installs JupyterLab with pip (saying so first); returns the command it ran.
pub fn install_jupyter(reporter: &Reporter) -> anyhow::Result<String> {
    let args = jupyter_install_args()?;
    let shown = format!("{PYTHON} {}", args.join(" "));
    reporter.note(&format!(
        "Jupyter (JupyterLab with nbconvert) is not installed: installing it with `{shown}` \
         (about a minute)"
    ));
    let spinner = reporter.spinner("pip");
    let output = Command::new(PYTHON)
        .args(&args)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run `{shown}`"))?;
    spinner.finish_and_clear();
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let advice = if stderr.contains("externally-managed-environment") {
            "this Python is managed by your system: install JupyterLab with `pipx install \
             jupyterlab` (or your system's package manager, or in a virtual environment) and \
             run `scale-lab setup-jupyter` again"
        } else {
            "install JupyterLab yourself (https://jupyter.org/install) and run \
             `scale-lab setup-jupyter` again"
        };
        bail!("`{shown}` failed: {advice}\n{}", stderr_tail(&output));
    }
    Ok(shown)
}

/// evcxr_jupyter at the pinned version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evcxr {
    /// The binary.
    pub path: PathBuf,
    /// Whether it is scale-lab's own copy (in its directory; uninstall removes it).
    pub ours: bool,
}

/// The binary's name in a cargo install root.
fn evcxr_binary(root: &Path) -> PathBuf {
    root.join("bin")
        .join(format!("evcxr_jupyter{}", std::env::consts::EXE_SUFFIX))
}

/// cargo's default install root: `CARGO_INSTALL_ROOT`, else `CARGO_HOME`, else `~/.cargo`.
fn default_install_root() -> Option<PathBuf> {
    ["CARGO_INSTALL_ROOT", "CARGO_HOME"]
        .iter()
        .find_map(|v| {
            std::env::var_os(v)
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
        })
        .or_else(|| super::home_dir().map(|h| h.join(".cargo")))
}

/// The version of evcxr_jupyter that cargo installed in `root` (from `cargo install --list`).
fn installed_version(root: &Path) -> anyhow::Result<Option<String>> {
    let output = Command::new("cargo")
        .args(["install", "--list", "--root"])
        .arg(root)
        .output()
        .context("cannot run `cargo install --list`")?;
    if !output.status.success() {
        return Ok(None);
    }
    Ok(parse_install_list(
        &String::from_utf8_lossy(&output.stdout),
        "evcxr_jupyter",
    ))
}

/// The version of `package` in `cargo install --list` output (`evcxr_jupyter v0.22.0:`).
pub fn parse_install_list(list: &str, package: &str) -> Option<String> {
    list.lines().find_map(|line| {
        let rest = line.strip_prefix(package)?.strip_prefix(" v")?;
        Some(rest.split([':', ' ']).next()?.to_string())
    })
}

/// evcxr_jupyter at [`EVCXR_VERSION`]: scale-lab's own copy, else cargo's default one.
/// `Err` carries a note about another version found, for the learner.
pub fn find_evcxr(layout: &Layout) -> anyhow::Result<Result<Evcxr, Option<String>>> {
    let mut other = None;
    let roots = [
        (Some(layout.evcxr_root()), true),
        (default_install_root(), false),
    ];
    for (root, ours) in roots {
        let Some(root) = root else { continue };
        let path = evcxr_binary(&root);
        if !path.is_file() {
            continue;
        }
        match installed_version(&root)? {
            Some(v) if v == EVCXR_VERSION => return Ok(Ok(Evcxr { path, ours })),
            Some(v) => {
                other = Some(format!(
                    "{} is evcxr_jupyter {v}; the notebooks were verified with {EVCXR_VERSION}, so \
                     scale-lab installs its own copy and leaves yours alone",
                    path.display()
                ))
            }
            None => {}
        }
    }
    Ok(Err(other))
}

/// Installs evcxr_jupyter [`EVCXR_VERSION`] into scale-lab's directory (saying so first).
pub fn install_evcxr(layout: &Layout, reporter: &Reporter) -> anyhow::Result<(Evcxr, String)> {
    let root = layout.evcxr_root();
    let shown = format!(
        "cargo install evcxr_jupyter --version {EVCXR_VERSION} --locked --root {}",
        root.display()
    );
    reporter.note(&format!(
        "Installing the Jupyter kernel evcxr_jupyter {EVCXR_VERSION} with `{shown}`: about 6 \
         minutes on 2 cores, once"
    ));
    let mut command = Command::new("cargo");
    command
        .args([
            "install",
            "evcxr_jupyter",
            "--version",
            EVCXR_VERSION,
            "--locked",
            "--root",
        ])
        .arg(&root)
        .stdin(Stdio::null());
    // cargo shows its own progress; quiet, its output goes to a log shown on failure.
    let log = layout.home.join("cargo-install.log");
    if reporter.quiet {
        std::fs::create_dir_all(&layout.home)
            .with_context(|| format!("cannot create {}", layout.home.display()))?;
        let file = File::create(&log).with_context(|| format!("cannot write {}", log.display()))?;
        command.stdout(file.try_clone()?).stderr(file);
    }
    let status = command
        .status()
        .with_context(|| format!("cannot run `{shown}`"))?;
    if !status.success() {
        let tail = std::fs::read_to_string(&log).unwrap_or_default();
        bail!("`{shown}` failed\n{}", last_lines(&tail, 30));
    }
    let _ = std::fs::remove_file(&log);
    Ok((
        Evcxr {
            path: evcxr_binary(&root),
            ours: true,
        },
        shown,
    ))
}

/// The last lines of a command's stderr, for an error message.
pub fn stderr_tail(output: &Output) -> String {
    last_lines(&String::from_utf8_lossy(&output.stderr), 30)
}

/// The last `n` lines of `text`.
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rustc_versions() {
        assert_eq!(
            parse_rustc_version("rustc 1.95.0 (59807616e 2026-04-14)\n"),
            Some((1, 95, 0))
        );
        assert_eq!(
            parse_rustc_version("rustc 1.97.0-nightly (abc 2026-05-01)"),
            Some((1, 97, 0))
        );
        assert_eq!(parse_rustc_version("cargo 1.95.0"), None);
        assert_eq!(parse_rustc_version("rustc x.y"), None);
    }

    #[test]
    fn an_old_rustc_gets_one_clear_sentence() {
        assert!(require_rustc(MIN_RUSTC).is_ok());
        assert!(require_rustc((MIN_RUSTC.0, MIN_RUSTC.1 + 1, 0)).is_ok());
        let message = require_rustc((1, 80, 1)).unwrap_err().to_string();
        assert!(message.contains("Rust 1.80.1 is too old"), "{message}");
        assert!(message.contains(&format!("rustc {}.{} or newer", MIN_RUSTC.0, MIN_RUSTC.1)));
        assert!(message.contains("rustup update stable"), "{message}");
    }

    #[test]
    fn reads_cargo_install_lists() {
        let list =
            "cargo-edit v0.12.0:\n    cargo-add\nevcxr_jupyter v0.22.0:\n    evcxr_jupyter\n";
        assert_eq!(
            parse_install_list(list, "evcxr_jupyter"),
            Some("0.22.0".into())
        );
        assert_eq!(parse_install_list(list, "evcxr"), None);
        assert_eq!(parse_install_list("", "evcxr_jupyter"), None);
    }

    #[test]
    fn jupyter_commands_read_as_typed() {
        let j = Jupyter {
            program: "python3".into(),
            args: vec!["-m".into(), "jupyter".into()],
        };
        assert_eq!(j.shown(), "python3 -m jupyter");
        assert_eq!(last_lines("a\nb\nc", 2), "b\nc");
    }
}
