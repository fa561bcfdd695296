//! The kernel's launcher (`launch.py`, run by Python as Jupyter runs it): each running
//! kernel gets a build directory of its own, held by a lock for as long as the kernel
//! lives, and the toolchain's library directory on the loader's path; a directory is
//! handed out again once its kernel has stopped; with every directory taken, evcxr starts
//! in its own temporary directory.

#![cfg(unix)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

use scale_lab::runner::kernel::spec;

/// The variable through which the dynamic loader finds shared libraries.
const LIBRARY_PATH: &str = if cfg!(target_os = "macos") {
    "DYLD_LIBRARY_PATH"
} else {
    "LD_LIBRARY_PATH"
};

/// A kernel started by the launcher: a stand-in for evcxr_jupyter (a shell) that reports
/// the build directory it was given, the loader's path and its arguments, then waits for
/// a line on its stdin.
struct Kernel {
    child: Child,
    lines: BufReader<ChildStdout>,
}

impl Kernel {
    fn start(launcher: &Path, builds: &Path) -> Kernel {
        let mut child = Command::new("python3")
            .arg(launcher)
            .arg(builds)
            .args([
                "/bin/sh",
                "-c",
                &format!(
                    r#"printf '%s\n' "${{EVCXR_TMPDIR:-none}}" "${{{LIBRARY_PATH}:-}}" "$*"; read line"#
                ),
                "sh",
                "--control_file",
                "kernel-1.json",
            ])
            .env_remove("EVCXR_TMPDIR")
            .env(LIBRARY_PATH, "/opt/theirs")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the launcher");
        let lines = BufReader::new(child.stdout.take().unwrap());
        Kernel { child, lines }
    }

    /// The build directory the kernel was given (`None`: evcxr's temporary directory),
    /// after checking that it got the launcher's remaining arguments unchanged, and the
    /// toolchain's library directory before the learner's own library path when it got
    /// a build directory (and the learner's path alone when not).
    fn build_dir(&mut self) -> Option<PathBuf> {
        let mut read = || {
            let mut line = String::new();
            self.lines.read_line(&mut line).unwrap();
            line.trim_end().to_string()
        };
        let dir = read();
        let library_path = read();
        assert_eq!(read(), "--control_file kernel-1.json");
        let dir = (dir != "none").then(|| PathBuf::from(dir));
        let expected = match dir {
            Some(_) => format!("{}:/opt/theirs", rust_library_dir()),
            None => "/opt/theirs".to_string(),
        };
        assert_eq!(library_path, expected);
        dir
    }

    fn stop(mut self) {
        self.child.stdin.take().unwrap().write_all(b"\n").unwrap();
        assert!(self.child.wait().unwrap().success());
    }
}

/// `rustc --print target-libdir`: where the standard library's shared object is.
fn rust_library_dir() -> String {
    let out = Command::new("rustc")
        .args(["--print", "target-libdir"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn launcher(dir: &Path) -> PathBuf {
    let path = dir.join("launch.py");
    std::fs::write(&path, spec::LAUNCHER).unwrap();
    path
}

#[test]
fn each_running_kernel_gets_a_build_directory_of_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    let launcher = launcher(tmp.path());
    let builds = tmp.path().join("builds");

    let mut first = Kernel::start(&launcher, &builds);
    assert_eq!(first.build_dir(), Some(builds.join("0")));
    assert!(builds.join("0").is_dir());
    let mut second = Kernel::start(&launcher, &builds);
    assert_eq!(second.build_dir(), Some(builds.join("1")));

    // The first kernel stops: the next one gets its directory, which outlived it.
    first.stop();
    assert!(builds.join("0").is_dir());
    let mut third = Kernel::start(&launcher, &builds);
    assert_eq!(third.build_dir(), Some(builds.join("0")));
    second.stop();
    third.stop();
}

#[test]
fn with_every_build_directory_taken_evcxr_uses_a_temporary_one() {
    let tmp = tempfile::tempdir().unwrap();
    let launcher = launcher(tmp.path());
    let builds = tmp.path().join("builds");
    let mut running = Vec::new();
    for slot in 0..8 {
        let mut kernel = Kernel::start(&launcher, &builds);
        assert_eq!(kernel.build_dir(), Some(builds.join(slot.to_string())));
        running.push(kernel);
    }
    let mut ninth = Kernel::start(&launcher, &builds);
    assert_eq!(ninth.build_dir(), None);
    ninth.stop();
    for kernel in running {
        kernel.stop();
    }
}

#[test]
fn an_unusable_builds_directory_falls_back_to_a_temporary_one() {
    let tmp = tempfile::tempdir().unwrap();
    let launcher = launcher(tmp.path());
    // A file where the directory should be.
    let builds = tmp.path().join("builds");
    std::fs::write(&builds, "not a directory").unwrap();
    let mut kernel = Kernel::start(&launcher, &builds);
    assert_eq!(kernel.build_dir(), None);
    kernel.stop();
}
