//! Every cell of the README's exit-code table, for every subcommand, in one
//! table. (130, Ctrl-C, is driven by signals: `hostile::ctrl_c_exits_130…`
//! for put, check and wait, `scripts::ctrl_c_in_bench…` for bench.)

use crate::support::broken::{self, Flaw};
use crate::support::{Scripted, ServeProcess, TestServer, itemctl, unused_port};

/// A server that answers every request with `status`.
fn answering(status: &str) -> Scripted {
    Scripted::answering(format!(
        "HTTP/1.1 {status}\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}"
    ))
}

#[test]
fn every_documented_exit_code() {
    let good = TestServer::start();
    let dead = format!("http://127.0.0.1:{}", unused_port());
    let (ok_404, ok_500, moved) = (
        answering("404 Not Found"),
        answering("500 Internal Server Error"),
        answering("307 Temporary Redirect"),
    );
    let merging = broken::start(Flaw::Merges);
    let mut busy = ServeProcess::start(&["--quiet"]);
    let busy_port = busy.url.rsplit(':').next().unwrap().to_owned();
    let g = good.url.as_str();
    let table: Vec<(Vec<&str>, i32)> = vec![
        // put
        (vec!["put", "new", "--url", g], 0),
        (vec!["put", "foo", "--url", g, "--expect", "created"], 1),
        (vec!["put", "x", "--url", &moved.url], 1),
        (vec!["put", "x", "--nope"], 2),
        (vec!["put", "x", "--url", "ftp://h"], 2),
        (vec!["put", "x", "--body", "@/nonexistent", "--url", g], 2),
        (vec!["put", "x", "--url", &dead], 3),
        (vec!["put", "x", "--url", &ok_404.url], 4),
        (vec!["put", "x", "--url", &ok_500.url], 5),
        // check
        (vec!["check", "--url", g, "--fastapi", "--seeded"], 0),
        (vec!["check", "--url", &merging], 1),
        (vec!["check", "--only", "bogus"], 2),
        (vec!["check", "--url", &dead], 3),
        // wait
        (vec!["wait", "--url", g], 0),
        (vec!["wait", "--url", "nope"], 2),
        (vec!["wait", "--url", &dead, "--timeout", "300ms"], 3),
        // serve
        (vec!["serve", "--port", &busy_port], 1),
        (vec!["serve", "--port", "0", "--seed", "/nonexistent"], 2),
        // bench
        (vec!["bench", "--url", g, "-n", "20", "-c", "2"], 0),
        (vec!["bench", "--url", &ok_404.url, "-n", "5", "-c", "1"], 1),
        (vec!["bench", "-c", "0"], 2),
        (vec!["bench", "--url", &dead, "-n", "5"], 3),
        // completions, man
        (vec!["completions", "bash"], 0),
        (vec!["completions", "tcsh"], 2),
        (vec!["man"], 0),
    ];
    // Only the codes are this test's business: what each prints is
    // asserted where that command is tested.
    for (args, want) in &table {
        itemctl()
            .args(args)
            .code(*want)
            .stdout_any()
            .stderr_any()
            .run();
    }
    // serve's 0: stopped by a signal.
    assert!(busy.terminate().success());
}

#[test]
fn the_top_level_help_gives_the_tools_codes_not_puts() {
    itemctl()
        .arg("--help")
        .stdout_has("Exit codes (each subcommand's --help says more):")
        .stdout_has("  4  put: a 4xx response, without --expect\n")
        .stdout_has("130  interrupted (Ctrl-C)\n")
        .run();
    // put's own help keeps its table.
    itemctl()
        .args(["put", "--help"])
        .stdout_has("  4  a 4xx response, without --expect\n")
        .run();
}
