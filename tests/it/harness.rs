//! The harness holds tests to what they do not say: a run that prints
//! what its test did not expect, or exits otherwise, fails.

use crate::support::itemctl;

#[test]
#[should_panic(expected = "stdout: want exactly \"\"")]
fn unstated_stdout_fails_a_run() {
    itemctl().arg("--version").run();
}

#[test]
#[should_panic(expected = "exit code: want 0")]
fn an_unstated_exit_code_fails_a_run() {
    itemctl().args(["put", "x", "--nope"]).stderr_any().run();
}

#[test]
#[should_panic(expected = "stderr: want exactly \"\"")]
fn unstated_stderr_fails_a_run() {
    itemctl().args(["put", "x", "--nope"]).code(2).run();
}

#[test]
fn stated_output_passes() {
    itemctl()
        .arg("--version")
        .stdout(format!("itemctl {}\n", env!("CARGO_PKG_VERSION")))
        .run();
}
