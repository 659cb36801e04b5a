//! A fluent builder for running the `itemctl` binary, after just's
//! `tests/test.rs`: a clean environment, the arguments and environment a
//! test needs, then either expectations checked by [`Run::run`] or
//! assert_cmd's `Assert` for anything else.

use std::time::Duration;

use predicates::prelude::*;

/// One run of `itemctl`.
pub struct Run {
    cmd: assert_cmd::Command,
    code: Option<i32>,
    stdout: Option<Box<dyn Predicate<str>>>,
    stderr: Option<Box<dyn Predicate<str>>>,
}

/// `itemctl` with none of the caller's itemctl or color settings, stdin
/// empty, and a 60 s limit.
pub fn itemctl() -> Run {
    let mut cmd = assert_cmd::Command::cargo_bin("itemctl").expect("binary");
    for var in [
        "ITEMCTL_URL",
        "ITEMCTL_COLOR",
        "ITEMCTL_FORCE_TERMINAL",
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
        code: None,
        stdout: None,
        stderr: None,
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

    /// Expects this exit code.
    pub fn code(mut self, code: i32) -> Run {
        self.code = Some(code);
        self
    }

    /// Expects exactly this stdout.
    pub fn stdout(mut self, text: &str) -> Run {
        self.stdout = Some(Box::new(predicate::eq(text.to_owned())));
        self
    }

    /// Expects stdout to contain `text`.
    pub fn stdout_has(mut self, text: &str) -> Run {
        self.stdout = Some(Box::new(predicate::str::contains(text.to_owned())));
        self
    }

    /// Expects exactly this stderr.
    pub fn stderr(mut self, text: &str) -> Run {
        self.stderr = Some(Box::new(predicate::eq(text.to_owned())));
        self
    }

    /// Expects stderr to contain `text`.
    pub fn stderr_has(mut self, text: &str) -> Run {
        self.stderr = Some(Box::new(predicate::str::contains(text.to_owned())));
        self
    }

    /// Runs and checks every expectation set; returns the output.
    pub fn run(mut self) -> std::process::Output {
        let mut assert = self.cmd.assert();
        if let Some(code) = self.code {
            assert = assert.code(code);
        }
        if let Some(p) = self.stdout.take() {
            assert = assert.stdout(BoxedStr(p));
        }
        if let Some(p) = self.stderr.take() {
            assert = assert.stderr(BoxedStr(p));
        }
        assert.get_output().clone()
    }

    /// Runs and checks the exit code; returns stdout parsed as one JSON
    /// document.
    pub fn json(self, code: i32) -> serde_json::Value {
        let out = self.code(code).run();
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Runs, for assert_cmd's assertions.
    pub fn assert(mut self) -> assert_cmd::assert::Assert {
        self.cmd.assert()
    }
}

/// A boxed `str` predicate applied to output bytes (as UTF-8, lossy).
struct BoxedStr(Box<dyn Predicate<str>>);

impl predicates::reflection::PredicateReflection for BoxedStr {}

impl std::fmt::Display for BoxedStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Predicate<[u8]> for BoxedStr {
    fn eval(&self, bytes: &[u8]) -> bool {
        self.0.eval(&String::from_utf8_lossy(bytes))
    }
}
