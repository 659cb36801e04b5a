//! The errors that end a command. Each variant is one documented exit code;
//! the mapping from variant to number is [`crate::commands::exit`], the only
//! place that knows the numbers.

/// A failure that ends a command, with its cause chain (`#[source]`).
///
/// Messages are one line and name the cause and, where there is one, the
/// fix; the causes they wrap are printed after them, joined by `: `.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The command line is unusable: a bad flag value, a bad URL, a bad
    /// header (exit 2).
    #[error("{0}")]
    Usage(String),
    /// An input the command line names cannot be used: a `--body @FILE`
    /// that cannot be read, a malformed `--seed` file (exit 2). The message
    /// names the input; the source says why.
    #[error("{what}")]
    Input {
        /// The input, e.g. `cannot read body file b.json`.
        what: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// No complete HTTP response arrived: connection refused, DNS, TLS,
    /// timeout, a broken or oversized response (exit 3). The message
    /// already names the cause in the words users know.
    #[error("{0}")]
    NoResponse(String),
    /// The process could not set itself up: the TLS stack, the async
    /// runtime, a listening socket, writing output (exit 1).
    #[error("{what}")]
    Setup {
        /// What could not be set up.
        what: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Ctrl-C (exit 130).
    #[error("interrupted")]
    Interrupted,
}

impl Failure {
    /// [`Failure::Input`] for `what`, caused by `source`.
    pub fn input(
        what: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Failure::Input {
            what: what.into(),
            source: source.into(),
        }
    }

    /// [`Failure::Setup`] for `what`, caused by `source`.
    pub fn setup(
        what: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Failure::Setup {
            what: what.into(),
            source: source.into(),
        }
    }
}
