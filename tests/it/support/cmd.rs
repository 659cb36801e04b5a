//! A strict builder for running the `itemctl` binary, after just's
//! `tests/test.rs`: a clean environment, the arguments and environment a
//! test needs, then [`Run::run`], which checks the exit code, stdout and
//! stderr. Unless a test says otherwise, a run must exit 0 with nothing
//! on stdout and nothing on stderr: every other expectation is stated
//! (`.code(2)`, `.stderr("…")`, `.stdout_has("…")`), and output a test
//! does not look at is waived by name (`.stdout_any()`).

use std::time::Duration;

use predicates::prelude::*;

/// What one output stream must hold.
enum Expect {
    /// Exactly this text (the default: nothing).
    Exactly(String),
    /// Every predicate holds (`contains`, `starts_with`, a regex, …).
    All(Vec<Box<dyn Predicate<str>>>),
    /// Anything: the test reads it itself, or it does not matter here.
    Any,
}

impl Expect {
    /// Adds a predicate; an exact expectation set before is replaced.
    fn and(self, p: Box<dyn Predicate<str>>) -> Expect {
        match self {
            Expect::All(mut ps) => {
                ps.push(p);
                Expect::All(ps)
            }
            Expect::Exactly(_) | Expect::Any => Expect::All(vec![p]),
        }
    }

    /// Waives the check, unless one was stated: `stdout_has(…)` followed
    /// by `stdout_any()` (a helper that reads the output itself) keeps the
    /// predicates, which a waiver would silently drop.
    fn waived(self) -> Expect {
        match self {
            Expect::All(ps) => Expect::All(ps),
            Expect::Exactly(_) | Expect::Any => Expect::Any,
        }
    }

    /// Whether `text` meets it; otherwise what was wanted.
    fn check(&self, text: &str) -> Result<(), String> {
        match self {
            Expect::Exactly(want) if want == text => Ok(()),
            Expect::Exactly(want) => Err(format!("exactly {want:?}")),
            Expect::All(ps) => match ps.iter().find(|p| !p.eval(text)) {
                None => Ok(()),
                Some(p) => Err(format!("{p}")),
            },
            Expect::Any => Ok(()),
        }
    }
}

/// One run of `itemctl`: nothing runs and nothing is checked until
/// [`Run::run`] or [`Run::json`].
#[must_use = "a Run does nothing until .run() or .json()"]
pub struct Run {
    cmd: assert_cmd::Command,
    code: i32,
    stdout: Expect,
    stderr: Expect,
}

/// `itemctl` with none of the caller's itemctl or color settings, stdin
/// empty, and a 60 s limit; expected to exit 0 and print nothing.
pub fn itemctl() -> Run {
    let mut cmd = assert_cmd::Command::cargo_bin("itemctl").expect("binary");
    for var in [
        "ITEMCTL_URL",
        "ITEMCTL_COLOR",
        "ITEMCTL_FORCE_TERMINAL",
        "ITEMCTL_OPENAPI",
        "ITEMCTL_PATH",
        "NO_COLOR",
        "CLICOLOR_FORCE",
        "ITEMCTL_HOST",
        "ITEMCTL_PORT",
        "CI",
    ] {
        cmd.env_remove(var);
    }
    cmd.timeout(Duration::from_secs(60));
    Run {
        cmd,
        code: 0,
        stdout: Expect::Exactly(String::new()),
        stderr: Expect::Exactly(String::new()),
    }
}

impl Run {
    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Appends one argument.
    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Run {
        self.cmd.arg(arg);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Run {
        self.cmd.env(key, value);
        self
    }

    /// Feeds stdin.
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Run {
        self.cmd.write_stdin(input.into());
        self
    }

    /// Lays out stdout as on a terminal (`ITEMCTL_FORCE_TERMINAL=1`).
    pub fn terminal(self) -> Run {
        self.env("ITEMCTL_FORCE_TERMINAL", "1")
    }

    /// Expects this exit code (instead of 0).
    pub fn code(mut self, code: i32) -> Run {
        self.code = code;
        self
    }

    /// Expects exactly this stdout.
    pub fn stdout(mut self, text: impl AsRef<str>) -> Run {
        self.stdout = Expect::Exactly(text.as_ref().to_owned());
        self
    }

    /// Expects stdout to contain `text` (with every other `_has`/`_where`).
    pub fn stdout_has(self, text: &str) -> Run {
        self.stdout_where(predicate::str::contains(text.to_owned()))
    }

    /// Expects stdout to meet `p` (with every other `_has`/`_where`).
    pub fn stdout_where(mut self, p: impl Predicate<str> + 'static) -> Run {
        self.stdout = self.stdout.and(Box::new(p));
        self
    }

    /// Waives the check of stdout: the test reads it from the output.
    /// Predicates stated before (`stdout_has`, `stdout_where`) still hold.
    pub fn stdout_any(mut self) -> Run {
        self.stdout = self.stdout.waived();
        self
    }

    /// Expects exactly this stderr.
    pub fn stderr(mut self, text: impl AsRef<str>) -> Run {
        self.stderr = Expect::Exactly(text.as_ref().to_owned());
        self
    }

    /// Expects stderr to contain `text` (with every other `_has`/`_where`).
    pub fn stderr_has(self, text: &str) -> Run {
        self.stderr_where(predicate::str::contains(text.to_owned()))
    }

    /// Expects stderr to meet `p` (with every other `_has`/`_where`).
    pub fn stderr_where(mut self, p: impl Predicate<str> + 'static) -> Run {
        self.stderr = self.stderr.and(Box::new(p));
        self
    }

    /// Waives the check of stderr: the test reads it from the output.
    /// Predicates stated before (`stderr_has`, `stderr_where`) still hold.
    pub fn stderr_any(mut self) -> Run {
        self.stderr = self.stderr.waived();
        self
    }

    /// Runs and checks the exit code, stdout and stderr; returns the
    /// output.
    ///
    /// # Panics
    /// When an expectation fails, with the command, the code and both
    /// streams.
    pub fn run(mut self) -> std::process::Output {
        let out = self.cmd.output().expect("itemctl runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mut wrong = Vec::new();
        if out.status.code() != Some(self.code) {
            wrong.push(format!(
                "exit code: want {}, got {:?}",
                self.code,
                out.status.code()
            ));
        }
        if let Err(want) = self.stdout.check(&stdout) {
            wrong.push(format!("stdout: want {want}"));
        }
        if let Err(want) = self.stderr.check(&stderr) {
            wrong.push(format!("stderr: want {want}"));
        }
        assert!(
            wrong.is_empty(),
            "{:?}\n{}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
            self.cmd,
            wrong.join("\n"),
        );
        out
    }

    /// Runs and checks nothing: for a test that decides itself what the
    /// output means (a retry loop).
    pub fn output_unchecked(mut self) -> std::process::Output {
        self.cmd.output().expect("itemctl runs")
    }

    /// Runs with this exit code expected; returns stdout parsed as one
    /// JSON document (stderr is checked as set, by default empty).
    ///
    /// # Panics
    /// When an expectation fails or stdout is not one JSON document.
    pub fn json(self, code: i32) -> serde_json::Value {
        let out = self.code(code).stdout_any().run();
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }
}
