//! The `itemctl` binary: everything is in the library; errors become the
//! documented exit codes in [`itemctl::error`].

fn main() -> std::process::ExitCode {
    match itemctl::run() {
        Ok(code) => code,
        Err(err) => itemctl::error::report(&err),
    }
}
