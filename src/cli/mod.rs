//! The command line: every subcommand, flag and environment variable.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub mod items;

use crate::check::report::Format;
use crate::check::{Check, Needs};
use crate::contract::{Expectation, PathTemplate};
use crate::server::LogFormat;
use crate::server::faults::Delay;

/// The top-level help's footer: each subcommand's exit codes in one line
/// (the table is in the README; each subcommand's --help has its own).
const TOOL_EXIT_CODES: &str = "\
Exit codes (each subcommand's --help says more):
  0  success: put met --expect (or got a 2xx), every check passed, the
     server answered (wait), serve stopped by a signal, bench within the
     contract
  1  a verdict not met: put's --expect, a failed check, bench's contract;
     serve: the address could not be used
  2  usage error (bad flags, unreadable files, no URL where $CI is set)
  3  no response: the server could not be reached (connection refused,
     DNS, TLS, timeout)
  4  put: a 4xx response, without --expect
  5  put: a 5xx response, without --expect
130  interrupted (Ctrl-C)";

/// `put --help`'s footer.
const EXIT_CODES: &str = "\
Exit codes:
  0  a response arrived and met --expect (without --expect: it was 2xx)
  1  the response did not meet --expect (without --expect: 1xx or 3xx);
     any other failure
  2  usage error (bad flags or request items; an unreadable --body @FILE,
     request item file or --seed file)
  3  no response (connection refused, DNS, TLS, timeout)
  4  a 4xx response, without --expect
  5  a 5xx response, without --expect";

/// Serve, drive and verify the upsert endpoint `PUT /items/{item_id}` of
/// FastAPI's "Additional Status Codes" example: 200 with the replaced item
/// when the id existed, 201 Created when the request created it.
#[derive(Debug, Parser)]
#[command(name = "itemctl", version, after_help = TOOL_EXIT_CODES, max_term_width = 100)]
pub struct Cli {
    /// The options of every subcommand.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The options of every subcommand.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// When to use colors: auto (a terminal, and NO_COLOR unset), always, never.
    #[arg(long, value_enum, global = true, env = "ITEMCTL_COLOR", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

impl Cli {
    /// Parses a command line (`args`, the program's name first).
    /// `itemctl put …` is parsed by a parser of put alone: building every
    /// subcommand's arguments is most of the work of parsing one upsert's
    /// command line. Whatever that parser does not take (`--help`, an
    /// error) is parsed again by the whole tool's, so that clap answers as
    /// the tool.
    ///
    /// # Errors
    /// clap's, for `--help`, `--version` and a command line it refuses.
    pub fn parse_from_args(args: Vec<std::ffi::OsString>) -> Result<Cli, clap::Error> {
        if args.get(1).is_some_and(|a| a == "put")
            && let Ok(cli) = Cli::parse_put(&args)
        {
            return Ok(cli);
        }
        Cli::try_parse_from(args)
    }

    /// Parses `itemctl put …` with the put subcommand alone.
    fn parse_put(args: &[std::ffi::OsString]) -> Result<Cli, clap::Error> {
        use clap::FromArgMatches as _;
        let put = PutArgs::augment_args(clap::Command::new("put"));
        let cmd = GlobalArgs::augment_args(clap::Command::new("itemctl"))
            .subcommand(put)
            .subcommand_required(true);
        let mut matches = cmd.try_get_matches_from(args)?;
        Cli::from_arg_matches_mut(&mut matches)
    }
}

/// When to color output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Color when stdout is a terminal and `NO_COLOR` is unset or empty.
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the endpoint, answering exactly like the reference FastAPI app.
    Serve(ServeArgs),
    /// Send one upsert (PUT /items/ID) and print the status and body.
    Put(PutArgs),
    /// Verify the upsert contract of a server (or of the embedded one).
    Check(CheckArgs),
    /// Wait until a server answers HTTP (exit 0), or time out (exit 3).
    Wait(WaitArgs),
    /// Drive upserts at a server and report throughput, latency and contract violations.
    Bench(BenchArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or one subcommand's page, or write them
    /// all into a folder.
    Man {
        /// The subcommand whose page to print (serve, put, …).
        #[arg(value_parser = subcommand_name, conflicts_with = "dir")]
        subcommand: Option<String>,
        /// Write every page into DIR (itemctl.1, itemctl-serve.1, …) and
        /// print their paths, e.g. --dir ~/.local/share/man/man1.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// `check --help`'s footer after the list of checks.
const CHECK_HELP: &str = "\
Without --url (and $ITEMCTL_URL) the embedded server is started on a free
port and checked, with --fastapi and --seeded implied, and the first line
says \"embedded server\". Where $CI is set that is an error (exit 2) unless
--embedded is given: a misspelt $ITEMCTL_URL must not check itemctl itself.

Exit codes: 0 all checks passed (skips allowed); 1 a check failed; 2 usage
error, an unwritable --report, or no check ran; 3 the server could not be
reached (after --retry / --wait).

CI recipe:
  itemctl serve --port 0 --quiet --url-file serve.url &
  SERVE=$!
  trap 'kill $SERVE 2>/dev/null' EXIT
  URL=$(itemctl wait --url-file serve.url --pid $SERVE --timeout 30s)
  itemctl check --url \"$URL\" --report check.xml";

/// `itemctl serve`.
#[derive(Debug, Args)]
#[command(after_help = "\
The first line on stdout is the base URL actually bound (useful with --port 0);
--url-file FILE writes it to FILE too, atomically, once the server listens.
One access-log line per request goes to stderr unless --quiet.
SIGINT/SIGTERM stop accepting, let requests in flight finish, and exit 0.
Exit codes: 0 after a signal; 2 usage error or malformed --seed file; 1 other
failures (e.g. the address is in use).")]
pub struct ServeArgs {
    /// The address or host name to listen on (127.0.0.1, ::1, localhost,
    /// 0.0.0.0).
    #[arg(long, env = "ITEMCTL_HOST", default_value = "127.0.0.1", value_parser = non_empty)]
    pub host: String,

    /// The port to listen on; 0 picks a free one.
    #[arg(long, short, env = "ITEMCTL_PORT", default_value_t = 8000)]
    pub port: u16,

    /// Stand in for the app this OpenAPI document describes (a file or a
    /// URL, JSON or YAML, such as FastAPI's /openapi.json): every upsert
    /// (a PUT with path parameters and a JSON body) with its own store,
    /// validated as FastAPI and pydantic would. Default: the tutorial's
    /// app.
    #[arg(long, env = "ITEMCTL_OPENAPI", value_name = "FILE|URL", value_parser = openapi_source)]
    pub openapi: Option<String>,

    /// Serve only the operations of this path template of the document
    /// (/v2/products/{sku}).
    #[arg(long, value_name = "TEMPLATE", requires = "openapi")]
    pub path: Option<String>,

    /// Accept documented approximations of what cannot be validated
    /// exactly (a set, an unknown string format, bytes), with a warning,
    /// instead of refusing the document.
    #[arg(long, requires = "openapi")]
    pub approximate: bool,

    /// Start with the items of this JSON file instead of the reference's
    /// foo and bar: {"key": item, ..}, or with several upsert resources
    /// {"/path/{template}": {"key": item, ..}, ..}. Each item is validated
    /// as the app would store it.
    #[arg(long, value_name = "FILE", conflicts_with = "empty")]
    pub seed: Option<PathBuf>,

    /// Start with no items.
    #[arg(long)]
    pub empty: bool,

    /// Once listening, write the base URL and a newline to FILE, atomically
    /// (for `itemctl wait --url-file FILE`); the file is removed on exit.
    #[arg(long, value_name = "FILE")]
    pub url_file: Option<PathBuf>,

    /// No access log.
    #[arg(long, short)]
    pub quiet: bool,

    /// The access log's lines: text, or one JSON object per line (time,
    /// method, target, status, latency_ms, id, created).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Serve a control API under /__itemctl/: stored items, reset, the
    /// request journal, health, faults (documented in /openapi.json).
    #[arg(long)]
    pub admin: bool,

    /// Requests the --admin journal keeps (the latest).
    #[arg(long, value_name = "N", default_value_t = 1000, requires = "admin")]
    pub journal: usize,

    /// Keep the items in this SQLite file: they survive a restart, and every
    /// acknowledged upsert is committed before its answer.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,

    /// Answer CORS preflights and add CORS headers, for a browser front end
    /// on another origin (any origin, or the one given).
    #[arg(long, value_name = "ORIGIN", num_args = 0..=1, default_missing_value = "*")]
    pub cors: Option<String>,

    /// Fault: wait this long before answering an upsert (50ms), or a random
    /// time in a range (10ms..200ms).
    #[arg(long, value_name = "DURATION|MIN..MAX", value_parser = Delay::parse)]
    pub delay: Option<Delay>,

    /// Fault: answer this share of upserts (0 to 1) with --fail-status,
    /// storing nothing.
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = rate)]
    pub fail_rate: f64,

    /// The status of a failed upsert (with a JSON detail; 429 and 503 add
    /// Retry-After).
    #[arg(long, value_name = "CODE", default_value_t = 503, value_parser = clap::value_parser!(u16).range(400..=599))]
    pub fail_status: u16,

    /// Fault: close the connection of this share of upserts (0 to 1)
    /// without an answer, storing nothing.
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = rate)]
    pub drop_rate: f64,

    /// Seed the fault draws, for reproducible runs.
    #[arg(long, value_name = "N")]
    pub fault_seed: Option<u64>,

    /// Largest request body accepted, in bytes (larger: 413 with a JSON
    /// detail). The reference has no limit.
    #[arg(long, value_name = "BYTES", default_value_t = crate::server::DEFAULT_MAX_BODY)]
    pub max_body: u64,

    /// Most items stored; creating one more gets 507 with a JSON detail
    /// (stored ids can still be updated). Unbounded when not given.
    #[arg(long, value_name = "N")]
    pub max_items: Option<usize>,

    /// How long a request head may take from its first byte to its end
    /// (cuts off slow-loris clients): 10s, 500ms; a bare number is seconds.
    /// Idle connections close after 5 s.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = positive_duration)]
    pub header_timeout: Duration,

    /// Connections served at once; more wait in the listen backlog.
    #[arg(long, value_name = "N", default_value_t = crate::server::DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,
}

/// `itemctl put`.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct PutArgs {
    /// The item id (percent-encoded into the path).
    #[arg(value_parser = non_empty)]
    pub id: String,

    /// Request items, xh's (and HTTPie's) syntax. Body fields:
    /// `field=text` a string, `field:=json` raw JSON (`count:=3`,
    /// `tags:='["a"]'`), `field=@FILE` a file's text, `field:=@FILE` a
    /// file's JSON; `a[b]=c` nests, `a[]=x` appends, `a[0]=x` sets an
    /// index. `name==value` a query parameter (`name==@FILE`).
    /// `Header:value` a header (`Header:@FILE`), replacing -H's of that
    /// name (a name repeated sends each value); `Header:` leaves it out,
    /// `Header;` sends it empty. A backslash escapes = @ : ; \ and, in a
    /// field's key, [ ] (`a\=b=c` is the field a=b). The first separator
    /// in the item counts.
    #[arg(value_name = "REQUEST_ITEM", value_parser = items::parse)]
    pub items: Vec<items::RequestItem>,

    /// Where the endpoint is: --path and --openapi.
    #[command(flatten)]
    pub endpoint: EndpointArgs,

    /// The tutorial's name field to send (left out of the body when not
    /// given); a warning when the endpoint's item has no field name.
    #[arg(long, conflicts_with_all = ["null_name", "body"])]
    pub name: Option<String>,

    /// The tutorial's size field to send, an integer of any length (left
    /// out when not given); a warning when the item has no field size.
    #[arg(long, value_parser = json_integer, allow_hyphen_values = true, conflicts_with_all = ["null_size", "body"])]
    pub size: Option<serde_json::Number>,

    /// Send "name": null.
    #[arg(long, conflicts_with = "body")]
    pub null_name: bool,

    /// Send "size": null.
    #[arg(long, conflicts_with = "body")]
    pub null_size: bool,

    /// Send this raw body instead: JSON text, @FILE, or - for stdin.
    #[arg(long, value_name = "JSON|@FILE|-", allow_hyphen_values = true)]
    pub body: Option<String>,

    /// Extra request headers.
    #[command(flatten)]
    pub headers: HeaderArgs,

    /// The server's base URL.
    #[arg(long, env = "ITEMCTL_URL", default_value = "http://127.0.0.1:8000", value_parser = base_url)]
    pub url: String,

    /// Assert the status: created (201), updated (200) or a status code.
    #[arg(long, value_name = "created|updated|CODE")]
    pub expect: Option<Expectation>,

    /// Print one JSON line: {"version","status","reason","id","body","elapsed_ms"}
    /// (docs/schemas/put.schema.json).
    #[arg(long, conflicts_with_all = ["verbose", "print"])]
    pub json: bool,

    /// Show the request sent (request line, headers, body) and the
    /// response's status line and headers on stderr; same as --print HBhb.
    #[arg(long, short)]
    pub verbose: bool,

    /// What to show, as letters: H request headers, B request body, h
    /// response status line and headers, b response body (default: b with
    /// the status line). Everything but the response body goes to stderr.
    #[arg(long, value_name = "HBhb", value_parser = Parts::parse, conflicts_with = "verbose")]
    pub print: Option<Parts>,

    /// Show the request (as with --print HB) and send no PUT. Without
    /// --path it first reads the OpenAPI document (a GET, as a real send
    /// does), so the path shown is the one a real send would use.
    #[arg(long, conflicts_with = "curl")]
    pub dry_run: bool,

    /// Print the curl command that sends the same request (path, query,
    /// headers, body), and send no PUT; like --dry-run, it reads the
    /// OpenAPI document first unless --path is given.
    #[arg(long)]
    pub curl: bool,

    /// Write the response body exactly as received: no newline added after
    /// a piped body that does not end in one.
    #[arg(long)]
    pub raw: bool,

    /// Print nothing on stderr but errors (no status line, no warnings).
    #[arg(long, short)]
    pub quiet: bool,

    /// How long the exchange may take.
    #[command(flatten)]
    pub timeout: TimeoutArgs,

    /// Retry this many times when the connection fails (with backoff), for a
    /// server that is still starting.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub retry: u32,

    /// Follow redirects (up to 10).
    #[arg(long)]
    pub follow: bool,
}

/// `itemctl check`.
#[derive(Debug, Args)]
#[command(after_help = check_help())]
pub struct CheckArgs {
    /// The server, or the embedded one.
    #[command(flatten)]
    pub target: TargetArgs,

    /// Extra request headers.
    #[command(flatten)]
    pub headers: HeaderArgs,

    /// Print only failed checks and the summary line.
    #[arg(long, short, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Show each request sent and each response (status, headers, body)
    /// on stderr as it happens, with the check it belongs to.
    #[arg(long, short)]
    pub verbose: bool,

    /// Accept `204 No Content` (no body) as an update even where the OpenAPI
    /// document does not list it: RFC 9110 allows it. replace then reads the
    /// item back with the document's GET, where there is one.
    #[arg(long)]
    pub update_204: bool,

    /// Also check pydantic's coercions and FastAPI's 422 shape.
    #[arg(long)]
    pub fastapi: bool,

    /// Responses must hold exactly the item's fields (no extra `id` or
    /// timestamps). The default for the tutorial's item, unless the
    /// documented response schema lists other fields.
    #[arg(long, overrides_with = "no_exact_echo")]
    pub exact_echo: bool,

    /// Every sent field must come back with its value; other fields (an
    /// `id`, timestamps) are allowed. The default for any item but the
    /// tutorial's.
    #[arg(long, overrides_with = "exact_echo")]
    pub no_exact_echo: bool,

    /// Also check that the reference's seeded ids foo and bar exist (they
    /// are PUT back with their seed values).
    #[arg(long)]
    pub seeded: bool,

    /// Run only these checks (comma-separated).
    #[arg(long, value_name = "CHECKS", value_enum, value_delimiter = ',')]
    pub only: Vec<Check>,

    /// Skip these checks (comma-separated).
    #[arg(long, value_name = "CHECKS", value_enum, value_delimiter = ',')]
    pub skip: Vec<Check>,

    /// Concurrent first PUTs in the race check.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(2..=4096))]
    pub concurrency: u16,

    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Also write a report to FILE, in the format its extension names:
    /// .xml (JUnit), .json or .tap, whatever --format says for stdout. It is
    /// written even when the server cannot be reached.
    #[arg(long, value_name = "FILE", value_parser = report_path)]
    pub report: Option<PathBuf>,

    /// How long the exchange may take.
    #[command(flatten)]
    pub timeout: TimeoutArgs,

    /// Connection attempts to retry before giving up (with backoff).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub retry: u32,

    /// How long to wait for the server to answer before checking: 30s; a
    /// bare number is seconds.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = duration)]
    pub wait: Duration,
}

/// The server `check` and `bench` talk to, or the embedded one.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// The server's base URL (bench: http:// only); without it the embedded
    /// server is used (an error where $CI is set, unless --embedded).
    #[arg(long, env = "ITEMCTL_URL", value_parser = base_url)]
    pub url: Option<String>,

    /// Use the embedded server on purpose (needed where $CI is set).
    #[arg(long, conflicts_with = "url")]
    pub embedded: bool,

    /// Where the endpoint is: --path and --openapi.
    #[command(flatten)]
    pub endpoint: EndpointArgs,
}

/// Where the endpoint is below the base URL (`put`, `check`, `bench`).
#[derive(Debug, Args)]
pub struct EndpointArgs {
    /// The item path below the base URL, with one {…} placeholder for the
    /// id: /items/{item_id}, /api/v1/users/{user_id}, …. Default: the one
    /// PUT endpoint the server's OpenAPI document describes, else the
    /// tutorial's /items/{item_id}.
    #[arg(long, env = "ITEMCTL_PATH", value_name = "TEMPLATE", value_parser = path_template)]
    pub path: Option<PathTemplate>,

    /// The OpenAPI document to take the endpoint and item from, a URL or a
    /// file, JSON or YAML. Default: URL/openapi.json when the server
    /// publishes it.
    #[arg(long, env = "ITEMCTL_OPENAPI", value_name = "URL|FILE", value_parser = openapi_source)]
    pub openapi: Option<String>,
}

/// Extra request headers (`put`, `check`, `bench`).
#[derive(Debug, Args)]
pub struct HeaderArgs {
    /// Extra request header, `Name: value` (repeatable; replaces a default
    /// such as content-type): auth tokens.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE", value_parser = header)]
    pub headers: Vec<(String, String)>,
}

/// How long requests may take (`put`, `check`, `bench`).
#[derive(Debug, Args)]
pub struct TimeoutArgs {
    /// How long a request may take: 10s, 500ms; a bare number is seconds.
    /// For put it is the whole command's (discovery and retries
    /// included), as curl's --max-time.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = positive_duration)]
    pub timeout: Duration,
}

/// Which parts of an exchange `put` shows (`--print HBhb`, `-v`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parts {
    /// `H`: the request line and headers.
    pub request_head: bool,
    /// `B`: the request body.
    pub request_body: bool,
    /// `h`: the response's status line and headers.
    pub response_head: bool,
    /// `b`: the response body.
    pub response_body: bool,
}

impl Parts {
    /// The request, head and body (`HB`).
    pub const REQUEST: Parts = Parts {
        request_head: true,
        request_body: true,
        response_head: false,
        response_body: false,
    };

    /// Everything (`HBhb`, `--verbose`).
    pub const ALL: Parts = Parts {
        request_head: true,
        request_body: true,
        response_head: true,
        response_body: true,
    };

    /// The default: the response body (with the status line).
    pub const BODY: Parts = Parts {
        request_head: false,
        request_body: false,
        response_head: false,
        response_body: true,
    };

    /// Parses `--print` letters from `HBhb`.
    ///
    /// # Errors
    /// A one-line message naming the letters when any other is given.
    pub fn parse(s: &str) -> Result<Parts, String> {
        if s.is_empty() || !s.chars().all(|c| "HBhb".contains(c)) {
            return Err(format!(
                "`{s}`: use the letters H (request headers), B (request body), h (response headers), b (response body)"
            ));
        }
        Ok(Parts {
            request_head: s.contains('H'),
            request_body: s.contains('B'),
            response_head: s.contains('h'),
            response_body: s.contains('b'),
        })
    }

    /// `--print`, else everything for `--verbose`, else [`Parts::BODY`].
    pub fn from_flags(print: Option<Parts>, verbose: bool) -> Parts {
        match (print, verbose) {
            (Some(p), _) => p,
            (None, true) => Parts::ALL,
            (None, false) => Parts::BODY,
        }
    }
}

/// `check --help`'s footer: the checks in run order, each with what it
/// needs, from [`Check::ALL`].
fn check_help() -> String {
    let names: Vec<String> = Check::ALL
        .iter()
        .map(|c| match c.needs() {
            Needs::FastApi => format!("{} (--fastapi)", c.name()),
            Needs::Seeded => format!("{} (--seeded)", c.name()),
            Needs::Contract => c.name().to_owned(),
        })
        .collect();
    format!(
        "Checks: {}. Every check uses fresh random ids.\n{CHECK_HELP}",
        names.join(", ")
    )
}

/// `itemctl wait`.
#[derive(Debug, Args)]
#[command(after_help = "\
With --url-file, waits for the file (see serve --url-file), then for the server
in it to answer, and prints its URL on stdout.

Exit codes: 0 the server answered; 2 usage error; 3 it did not within
--timeout (or the --pid process exited first).")]
pub struct WaitArgs {
    /// The server's base URL.
    #[arg(long, env = "ITEMCTL_URL", default_value = "http://127.0.0.1:8000", value_parser = base_url)]
    pub url: String,

    /// Wait for this file (written by `itemctl serve --url-file`) and use
    /// the URL in it; the URL is printed on stdout once the server answers.
    #[arg(long, value_name = "FILE")]
    pub url_file: Option<PathBuf>,

    /// Give up at once (exit 3) when this process exits first: the `$!` of
    /// a server started in the background.
    #[arg(long, value_name = "PID")]
    pub pid: Option<u32>,

    /// Print nothing on stderr but errors.
    #[arg(long, short)]
    pub quiet: bool,

    /// How long to keep trying: 30s, 2m; a bare number is seconds.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = positive_duration)]
    pub timeout: Duration,
}

/// `itemctl bench`.
#[derive(Debug, Args)]
#[command(after_help = "\
Sends PUT /items/bench-<run>-<n> (or the path the OpenAPI document describes,
or --path) with {\"name\":\"x\",\"size\":3} (or a valid item of the document's
shape, or --body) for random n below --ids over keep-alive connections, so
both creates and updates happen. Ids are fresh per run where the path
parameter leaves room: a second 201 for an id, or 200s for an id that never
got a 201, count as contract violations (where ids may be an earlier run's,
a note says so and only a second 201 counts). -d ends the run: answers on
their way get 1 s more, then they are abandoned (not errors). Without --url
the embedded server is started and measured (an error where $CI is set,
unless --embedded). A progress bar shows on a terminal; Ctrl-C prints what
was measured (exit 130).

Exit codes: 0 every response was a 200 or 201 within the contract, with no
transport error; 1 otherwise (the report says which); 2 usage error; 3 the
server could not be reached.")]
pub struct BenchArgs {
    /// The server, or the embedded one.
    #[command(flatten)]
    pub target: TargetArgs,

    /// Open-loop: send this many requests per second in all, on schedule,
    /// and measure latency from when each request was due (no coordinated
    /// omission). Without it, each connection sends as fast as answers come.
    /// -R as in wrk2 (oha's -q is --quiet here, as in every itemctl
    /// command).
    #[arg(long, short = 'R', value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate: Option<u32>,

    /// Print only the requests line and the result (no endpoint, latency,
    /// histogram or status lines) and no progress bar. --json is whole.
    #[arg(long, short)]
    pub quiet: bool,

    /// Extra request headers.
    #[command(flatten)]
    pub headers: HeaderArgs,

    /// Concurrent keep-alive connections.
    #[arg(long, short = 'c', default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub connections: u32,

    /// Stop after this many requests.
    #[arg(
        long,
        short = 'n',
        value_name = "REQUESTS",
        conflicts_with = "duration",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub requests: Option<u64>,

    /// Stop after this long: 10s, 500ms, 2m; a bare number is seconds.
    #[arg(long, short = 'd', value_name = "DURATION", value_parser = positive_duration, default_value = "10s")]
    pub duration: Duration,

    /// Distinct ids to spread the upserts over.
    #[arg(long, value_name = "K", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub ids: u64,

    /// Print the report as one JSON document.
    #[arg(long)]
    pub json: bool,

    /// The body of every upsert: JSON text, @FILE, or - for stdin.
    /// Default: a valid item of the OpenAPI document's shape, else the
    /// tutorial's {"name":"x","size":3}.
    #[arg(long, value_name = "JSON|@FILE|-", allow_hyphen_values = true)]
    pub body: Option<String>,

    /// How long the exchange may take.
    #[command(flatten)]
    pub timeout: TimeoutArgs,
}

/// Parses a duration: a bare number of seconds (`1.5`), or humantime's
/// units (`500ms`, `10s`, `2m`, `1h 30m`).
fn duration(s: &str) -> Result<Duration, String> {
    let parsed = match s.trim().parse::<f64>() {
        Ok(secs) => Duration::try_from_secs_f64(secs).map_err(|_| ()),
        Err(_) => humantime::parse_duration(s.trim()).map_err(|_| ()),
    };
    parsed.map_err(|()| {
        format!("`{s}` is not a duration: use seconds (1.5) or units (500ms, 10s, 2m)")
    })
}

/// [`duration`], and more than zero.
fn positive_duration(s: &str) -> Result<Duration, String> {
    match duration(s)? {
        Duration::ZERO => Err(format!("`{s}`: the duration must be more than zero")),
        d => Ok(d),
    }
}

fn non_empty(s: &str) -> Result<String, String> {
    if s.is_empty() {
        Err("the id must not be empty".into())
    } else {
        Ok(s.to_owned())
    }
}

/// `--size`: a JSON integer of any length, `-?(0|[1-9][0-9]*)` (the one
/// rule; `007` and `+7` are refused, not sent as something else).
fn json_integer(s: &str) -> Result<serde_json::Number, String> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let well_formed = match digits.as_bytes() {
        [] => false,
        [b'0'] => true,
        [b'0', ..] => false,
        d => d.iter().all(u8::is_ascii_digit),
    };
    well_formed
        .then(|| s.parse::<serde_json::Number>().ok())
        .flatten()
        .ok_or_else(|| {
            format!(
                "`{s}` is not a JSON integer (write it without leading zeros or `+`, or send other values with --body)"
            )
        })
}

/// `--url`: a server's base URL ([`crate::contract::base_url`]), checked
/// here so that a bad `$ITEMCTL_URL` is named (`exit::from_clap`).
fn base_url(s: &str) -> Result<String, String> {
    crate::contract::base_url(s).map(|_| s.to_owned())
}

/// `--openapi`: a file, or a URL held to [`base_url`]'s rule.
fn openapi_source(s: &str) -> Result<String, String> {
    if s.starts_with("http://") || s.starts_with("https://") {
        base_url(s)
    } else {
        Ok(s.to_owned())
    }
}

/// `--path`: an item path template.
fn path_template(s: &str) -> Result<PathTemplate, String> {
    s.parse()
}

/// The name of a subcommand that has a man page.
fn subcommand_name(s: &str) -> Result<String, String> {
    use clap::CommandFactory;
    let cmd = Cli::command();
    let names: Vec<&str> = cmd.get_subcommands().map(clap::Command::get_name).collect();
    if names.contains(&s) {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "`{s}` is no subcommand; the pages are {}",
            names.join(", ")
        ))
    }
}

/// A share from 0 to 1.
fn rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!(
            "`{s}` is not a share from 0 to 1 (e.g. 0.1 for 10%)"
        )),
    }
}

/// `--report FILE`: the extension names the format.
fn report_path(s: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(s);
    match Format::for_path(&path) {
        Some(_) => Ok(path),
        None => Err(format!(
            "`{s}`: name the report FILE.xml (JUnit), FILE.json or FILE.tap"
        )),
    }
}

fn header(s: &str) -> Result<(String, String), String> {
    match s.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.trim().to_owned()))
        }
        _ => Err(format!("`{s}` is not `Name: value`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn put_alone_parses_as_the_whole_tool() {
        let lines: &[&[&str]] = &[
            &["put", "x"],
            &[
                "put",
                "x",
                "--name",
                "n",
                "--size",
                "-3",
                "--url",
                "http://h:1/api",
            ],
            &[
                "put",
                "x",
                "--null-name",
                "--null-size",
                "--expect",
                "created",
                "-q",
            ],
            &[
                "put", "é/☃", "a=b", "n:=3", "q==1", "X-A:b", "X-B:", "X-C;", "t[a][]=x",
            ],
            &[
                "put", ".", "--body", "-", "-H", "A: b", "-H", "C: d", "--raw",
            ],
            &[
                "put",
                "x",
                "--path",
                "/u/{user_id}",
                "--openapi",
                "doc.yaml",
                "--json",
            ],
            &[
                "put",
                "x",
                "--print",
                "Hb",
                "--timeout",
                "2s",
                "--retry",
                "3",
                "--follow",
            ],
            &["put", "x", "-v", "--dry-run", "--color", "never"],
            &["put", "--curl", "x", "--color=always", "--", "-y=1"],
        ];
        for line in lines {
            let args: Vec<std::ffi::OsString> = std::iter::once("itemctl")
                .chain(line.iter().copied())
                .map(Into::into)
                .collect();
            let whole = Cli::try_parse_from(&args).unwrap();
            let alone = Cli::parse_put(&args).unwrap();
            assert_eq!(format!("{alone:?}"), format!("{whole:?}"), "{line:?}");
            let given = Cli::parse_from_args(args).unwrap();
            assert_eq!(format!("{given:?}"), format!("{whole:?}"), "{line:?}");
        }
        // What put alone refuses is the whole tool's to answer.
        for line in [
            &["put", "--help"][..],
            &["put"],
            &["put", "x", "--json", "-v"],
            &["put", "x", "--nope"],
        ] {
            let args: Vec<std::ffi::OsString> = std::iter::once("itemctl")
                .chain(line.iter().copied())
                .map(Into::into)
                .collect();
            let whole = Cli::try_parse_from(&args).unwrap_err();
            let given = Cli::parse_from_args(args).unwrap_err();
            assert_eq!(given.kind(), whole.kind(), "{line:?}");
            assert_eq!(given.to_string(), whole.to_string(), "{line:?}");
        }
    }

    #[test]
    fn value_parsers() {
        assert!(non_empty("").is_err());
        assert_eq!(
            json_integer("-123456789012345678901234567890").map(|n| n.to_string()),
            Ok("-123456789012345678901234567890".into())
        );
        assert_eq!(json_integer("0").map(|n| n.to_string()), Ok("0".into()));
        for not_json in ["007", "+3", "1.5", "1e3", "-", "", "abc", "-0x1"] {
            assert!(json_integer(not_json).is_err(), "{not_json}");
        }
        assert_eq!(
            Parts::parse("hb").map(|p| (p.response_head, p.request_head)),
            Ok((true, false))
        );
        assert!(Parts::parse("x").is_err() && Parts::parse("").is_err());
        assert_eq!(header("X-A:  b "), Ok(("X-A".into(), "b".into())));
        assert!(header("nocolon").is_err());
        assert!(positive_duration("0").is_err() && positive_duration("0s").is_err());
        assert!(duration("nan").is_err() && duration("-1").is_err() && duration("1e300").is_err());
        assert_eq!(duration("0"), Ok(Duration::ZERO));
        assert_eq!(duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(duration("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(positive_duration("5"), Ok(Duration::from_secs(5)));
        assert!(duration("10x").is_err() && duration("s").is_err());
    }
}
