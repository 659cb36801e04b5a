//! The `itemctl` binary: everything is in the library
//! ([`itemctl::run`]), including the exit codes ([`itemctl::commands::exit`]).

fn main() -> std::process::ExitCode {
    itemctl::run()
}
