# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_itemctl_global_optspecs
    string join \n color= h/help V/version
end

function __fish_itemctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_itemctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_itemctl_using_subcommand
    set -l cmd (__fish_itemctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c itemctl -n "__fish_itemctl_needs_command" -l color -d 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Color when stdout is a terminal and `NO_COLOR` is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c itemctl -n "__fish_itemctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c itemctl -n "__fish_itemctl_needs_command" -s V -l version -d 'Print version'
complete -c itemctl -n "__fish_itemctl_needs_command" -f -a "serve" -d 'Serve the endpoint, answering exactly like the reference FastAPI app'
complete -c itemctl -n "__fish_itemctl_needs_command" -f -a "put" -d 'Send one upsert (PUT /items/ID) and print the status and body'
complete -c itemctl -n "__fish_itemctl_needs_command" -f -a "check" -d 'Verify the upsert contract of a server (or of the embedded one)'
complete -c itemctl -n "__fish_itemctl_needs_command" -f -a "wait" -d 'Wait until a server answers HTTP (exit 0), or time out (exit 3)'
complete -c itemctl -n "__fish_itemctl_needs_command" -f -a "bench" -d 'Drive upserts at a server and report throughput, latency and contract violations'
complete -c itemctl -n "__fish_itemctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c itemctl -n "__fish_itemctl_needs_command" -f -a "man" -d 'Print the man page (roff), or one subcommand\'s page, or write them all into a folder'
complete -c itemctl -n "__fish_itemctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l host -d 'The address or host name to listen on (127.0.0.1, ::1, localhost, 0.0.0.0)' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -s p -l port -d 'The port to listen on; 0 picks a free one' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l openapi -d 'Stand in for the app this OpenAPI document describes (a file or a URL, JSON or YAML, such as FastAPI\'s /openapi.json): every upsert (a PUT with path parameters and a JSON body) with its own store, validated as FastAPI and pydantic would. Default: the tutorial\'s app' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l path -d 'Serve only the operations of this path template of the document (/v2/products/{sku})' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l seed -d 'Start with the items of this JSON file instead of the reference\'s foo and bar: {"key": item, ..}, or with several upsert resources {"/path/{template}": {"key": item, ..}, ..}. Each item is validated as the app would store it' -r -F
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l url-file -d 'Once listening, write the base URL and a newline to FILE, atomically (for `itemctl wait --url-file FILE`); the file is removed on exit' -r -F
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l log-format -d 'The access log\'s lines: text, or one JSON object per line (time, method, target, status, latency_ms, id, created)' -r -f -a "text\t'`PUT /items/red 201 0.018ms`'
json\t'`{"time":…,"method":"PUT","target":"/items/red","status":201, "latency_ms":0.018,"id":"red","created":true}`'"
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l journal -d 'Requests the --admin journal keeps (the latest)' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l state -d 'Keep the items in this SQLite file: they survive a restart, and every acknowledged upsert is committed before its answer' -r -F
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l cors -d 'Answer CORS preflights and add CORS headers, for a browser front end on another origin (any origin, or the one given)' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l delay -d 'Fault: wait this long before answering an upsert (50ms), or a random time in a range (10ms..200ms)' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l fail-rate -d 'Fault: answer this share of upserts (0 to 1) with --fail-status, storing nothing' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l fail-status -d 'The status of a failed upsert (with a JSON detail; 429 and 503 add Retry-After)' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l drop-rate -d 'Fault: close the connection of this share of upserts (0 to 1) without an answer, storing nothing' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l fault-seed -d 'Seed the fault draws, for reproducible runs' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l max-body -d 'Largest request body accepted, in bytes (larger: 413 with a JSON detail). The reference has no limit' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l max-items -d 'Most items stored; creating one more gets 507 with a JSON detail (stored ids can still be updated). Unbounded when not given' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l header-timeout -d 'How long a request head may take from its first byte to its end (cuts off slow-loris clients): 10s, 500ms; a bare number is seconds. Idle connections close after 5 s' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l max-connections -d 'Connections served at once; more wait in the listen backlog' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l color -d 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Color when stdout is a terminal and `NO_COLOR` is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l approximate -d 'Accept documented approximations of what cannot be validated exactly (a set, an unknown string format, bytes), with a warning, instead of refusing the document'
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l empty -d 'Start with no items'
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -s q -l quiet -d 'No access log'
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -l admin -d 'Serve a control API under /__itemctl/: stored items, reset, the request journal, health, faults (documented in /openapi.json)'
complete -c itemctl -n "__fish_itemctl_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -l path -d 'The item path below the base URL, with one {…} placeholder for the id: /items/{item_id}, /api/v1/users/{user_id}, …. Default: the one PUT endpoint the server\'s OpenAPI document describes, else the tutorial\'s /items/{item_id}' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -l openapi -d 'The OpenAPI document to take the endpoint and item from, a URL or a file, JSON or YAML. Default: URL/openapi.json when the server publishes it' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -l name -d 'The tutorial\'s name field to send (left out of the body when not given); a warning when the endpoint\'s item has no field name' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -l size -d 'The tutorial\'s size field to send, an integer of any length (left out when not given); a warning when the item has no field size' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -l body -d 'Send this raw body instead: JSON text, @FILE, or - for stdin' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -s H -l header -d 'Extra request header, `Name: value` (repeatable; replaces a default such as content-type): auth tokens' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -l url -d 'The server\'s base URL' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -l expect -d 'Assert the status: created (201), updated (200) or a status code' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -l print -d 'What to show, as letters: H request headers, B request body, h response status line and headers, b response body (default: b with the status line). Everything but the response body goes to stderr' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -l timeout -d 'How long a request may take: 10s, 500ms; a bare number is seconds. For put it is the whole command\'s (discovery and retries included), as curl\'s --max-time' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -l retry -d 'Retry this many times when the connection fails (with backoff), for a server that is still starting' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -l color -d 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Color when stdout is a terminal and `NO_COLOR` is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -l null-name -d 'Send "name": null'
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -l null-size -d 'Send "size": null'
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -l json -d 'Print one JSON line: {"version","status","reason","id","body","elapsed_ms"} (docs/schemas/put.schema.json)'
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -s v -l verbose -d 'Show the request sent (request line, headers, body) and the response\'s status line and headers on stderr; same as --print HBhb'
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -l dry-run -d 'Show the request (as with --print HB) and send no PUT. Without --path it first reads the OpenAPI document (a GET, as a real send does), so the path shown is the one a real send would use'
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -l curl -d 'Print the curl command that sends the same request (path, query, headers, body), and send no PUT; like --dry-run, it reads the OpenAPI document first unless --path is given'
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -l raw -d 'Write the response body exactly as received: no newline added after a piped body that does not end in one'
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -s q -l quiet -d 'Print nothing on stderr but errors (no status line, no warnings)'
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -l follow -d 'Follow redirects (up to 10)'
complete -c itemctl -n "__fish_itemctl_using_subcommand put" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -l url -d 'The server\'s base URL (bench: http:// only); without it the embedded server is used (an error where $CI is set, unless --embedded)' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -l path -d 'The item path below the base URL, with one {…} placeholder for the id: /items/{item_id}, /api/v1/users/{user_id}, …. Default: the one PUT endpoint the server\'s OpenAPI document describes, else the tutorial\'s /items/{item_id}' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -l openapi -d 'The OpenAPI document to take the endpoint and item from, a URL or a file, JSON or YAML. Default: URL/openapi.json when the server publishes it' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -s H -l header -d 'Extra request header, `Name: value` (repeatable; replaces a default such as content-type): auth tokens' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -l only -d 'Run only these checks (comma-separated)' -r -f -a "create\t'A new id gives 201 Created and echoes the item'
update\t'An existing id gives 200 OK with the new values'
repeat\t'The identical PUT again gives 200 and the same item back (idempotent): the identical body where the echo is exact, else the item\'s fields unchanged (a server-made `updated_at` may change)'
replace\t'Fields left out of an update take their defaults: null, or the schema\'s `default` (replace, not merge)'
nulls\t'Explicit nulls (and `{}`, when no field is required) round-trip'
invalid\t'Invalid items (a wrong type, a required field left out, a value out of bounds; the tutorial\'s: size "abc") give a 4xx and store nothing; with --fastapi, a 422 naming the field'
coerce\t'size "3" becomes 3; 422 details have FastAPI\'s shape (--fastapi)'
unicode\t'A non-ASCII id and text round-trip'
identity\t'Ids that differ (letter case, Unicode normalisation, a full-width digit, a trailing character, trailing white space, `+` for a space) are distinct items; two spellings of one id are one'
race\t'Concurrent first PUTs of one id: exactly one 201'
seeded\t'The seeded ids foo and bar exist (--seeded)'"
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -l skip -d 'Skip these checks (comma-separated)' -r -f -a "create\t'A new id gives 201 Created and echoes the item'
update\t'An existing id gives 200 OK with the new values'
repeat\t'The identical PUT again gives 200 and the same item back (idempotent): the identical body where the echo is exact, else the item\'s fields unchanged (a server-made `updated_at` may change)'
replace\t'Fields left out of an update take their defaults: null, or the schema\'s `default` (replace, not merge)'
nulls\t'Explicit nulls (and `{}`, when no field is required) round-trip'
invalid\t'Invalid items (a wrong type, a required field left out, a value out of bounds; the tutorial\'s: size "abc") give a 4xx and store nothing; with --fastapi, a 422 naming the field'
coerce\t'size "3" becomes 3; 422 details have FastAPI\'s shape (--fastapi)'
unicode\t'A non-ASCII id and text round-trip'
identity\t'Ids that differ (letter case, Unicode normalisation, a full-width digit, a trailing character, trailing white space, `+` for a space) are distinct items; two spellings of one id are one'
race\t'Concurrent first PUTs of one id: exactly one 201'
seeded\t'The seeded ids foo and bar exist (--seeded)'"
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -l concurrency -d 'Concurrent first PUTs in the race check' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -l format -d 'What to print on stdout' -r -f -a "text\t'The checklist'
json\t'One JSON document'
junit\t'JUnit XML'
tap\t'TAP version 13'"
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -l report -d 'Also write a report to FILE, in the format its extension names: .xml (JUnit), .json or .tap, whatever --format says for stdout. It is written even when the server cannot be reached' -r -F
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -l timeout -d 'How long a request may take: 10s, 500ms; a bare number is seconds. For put it is the whole command\'s (discovery and retries included), as curl\'s --max-time' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -l retry -d 'Connection attempts to retry before giving up (with backoff)' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -l wait -d 'How long to wait for the server to answer before checking: 30s; a bare number is seconds' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -l color -d 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Color when stdout is a terminal and `NO_COLOR` is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -l embedded -d 'Use the embedded server on purpose (needed where $CI is set)'
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -s q -l quiet -d 'Print only failed checks and the summary line'
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -s v -l verbose -d 'Show each request sent and each response (status, headers, body) on stderr as it happens, with the check it belongs to'
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -l update-204 -d 'Accept `204 No Content` (no body) as an update even where the OpenAPI document does not list it: RFC 9110 allows it. replace then reads the item back with the document\'s GET, where there is one'
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -l fastapi -d 'Also check pydantic\'s coercions and FastAPI\'s 422 shape'
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -l exact-echo -d 'Responses must hold exactly the item\'s fields (no extra `id` or timestamps). The default for the tutorial\'s item, unless the documented response schema lists other fields'
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -l no-exact-echo -d 'Every sent field must come back with its value; other fields (an `id`, timestamps) are allowed. The default for any item but the tutorial\'s'
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -l seeded -d 'Also check that the reference\'s seeded ids foo and bar exist (they are PUT back with their seed values)'
complete -c itemctl -n "__fish_itemctl_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c itemctl -n "__fish_itemctl_using_subcommand wait" -l url -d 'The server\'s base URL' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand wait" -l url-file -d 'Wait for this file (written by `itemctl serve --url-file`) and use the URL in it; the URL is printed on stdout once the server answers' -r -F
complete -c itemctl -n "__fish_itemctl_using_subcommand wait" -l pid -d 'Give up at once (exit 3) when this process exits first: the `$!` of a server started in the background' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand wait" -l timeout -d 'How long to keep trying: 30s, 2m; a bare number is seconds' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand wait" -l color -d 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Color when stdout is a terminal and `NO_COLOR` is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c itemctl -n "__fish_itemctl_using_subcommand wait" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c itemctl -n "__fish_itemctl_using_subcommand wait" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c itemctl -n "__fish_itemctl_using_subcommand bench" -l url -d 'The server\'s base URL (bench: http:// only); without it the embedded server is used (an error where $CI is set, unless --embedded)' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand bench" -l path -d 'The item path below the base URL, with one {…} placeholder for the id: /items/{item_id}, /api/v1/users/{user_id}, …. Default: the one PUT endpoint the server\'s OpenAPI document describes, else the tutorial\'s /items/{item_id}' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand bench" -l openapi -d 'The OpenAPI document to take the endpoint and item from, a URL or a file, JSON or YAML. Default: URL/openapi.json when the server publishes it' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand bench" -s R -l rate -d 'Open-loop: send this many requests per second in all, on schedule, and measure latency from when each request was due (no coordinated omission). Without it, each connection sends as fast as answers come. -R as in wrk2 (oha\'s -q is --quiet here, as in every itemctl command)' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand bench" -s H -l header -d 'Extra request header, `Name: value` (repeatable; replaces a default such as content-type): auth tokens' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand bench" -s c -l connections -d 'Concurrent keep-alive connections' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand bench" -s n -l requests -d 'Stop after this many requests' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand bench" -s d -l duration -d 'Stop after this long: 10s, 500ms, 2m; a bare number is seconds' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand bench" -l ids -d 'Distinct ids to spread the upserts over' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand bench" -l body -d 'The body of every upsert: JSON text, @FILE, or - for stdin. Default: a valid item of the OpenAPI document\'s shape, else the tutorial\'s {"name":"x","size":3}' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand bench" -l timeout -d 'How long a request may take: 10s, 500ms; a bare number is seconds. For put it is the whole command\'s (discovery and retries included), as curl\'s --max-time' -r
complete -c itemctl -n "__fish_itemctl_using_subcommand bench" -l color -d 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Color when stdout is a terminal and `NO_COLOR` is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c itemctl -n "__fish_itemctl_using_subcommand bench" -l embedded -d 'Use the embedded server on purpose (needed where $CI is set)'
complete -c itemctl -n "__fish_itemctl_using_subcommand bench" -s q -l quiet -d 'Print only the requests line and the result (no endpoint, latency, histogram or status lines) and no progress bar. --json is whole'
complete -c itemctl -n "__fish_itemctl_using_subcommand bench" -l json -d 'Print the report as one JSON document'
complete -c itemctl -n "__fish_itemctl_using_subcommand bench" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c itemctl -n "__fish_itemctl_using_subcommand completions" -l color -d 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Color when stdout is a terminal and `NO_COLOR` is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c itemctl -n "__fish_itemctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c itemctl -n "__fish_itemctl_using_subcommand man" -l dir -d 'Write every page into DIR (itemctl.1, itemctl-serve.1, …) and print their paths, e.g. --dir ~/.local/share/man/man1' -r -F
complete -c itemctl -n "__fish_itemctl_using_subcommand man" -l color -d 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Color when stdout is a terminal and `NO_COLOR` is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c itemctl -n "__fish_itemctl_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c itemctl -n "__fish_itemctl_using_subcommand help; and not __fish_seen_subcommand_from serve put check wait bench completions man help" -f -a "serve" -d 'Serve the endpoint, answering exactly like the reference FastAPI app'
complete -c itemctl -n "__fish_itemctl_using_subcommand help; and not __fish_seen_subcommand_from serve put check wait bench completions man help" -f -a "put" -d 'Send one upsert (PUT /items/ID) and print the status and body'
complete -c itemctl -n "__fish_itemctl_using_subcommand help; and not __fish_seen_subcommand_from serve put check wait bench completions man help" -f -a "check" -d 'Verify the upsert contract of a server (or of the embedded one)'
complete -c itemctl -n "__fish_itemctl_using_subcommand help; and not __fish_seen_subcommand_from serve put check wait bench completions man help" -f -a "wait" -d 'Wait until a server answers HTTP (exit 0), or time out (exit 3)'
complete -c itemctl -n "__fish_itemctl_using_subcommand help; and not __fish_seen_subcommand_from serve put check wait bench completions man help" -f -a "bench" -d 'Drive upserts at a server and report throughput, latency and contract violations'
complete -c itemctl -n "__fish_itemctl_using_subcommand help; and not __fish_seen_subcommand_from serve put check wait bench completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c itemctl -n "__fish_itemctl_using_subcommand help; and not __fish_seen_subcommand_from serve put check wait bench completions man help" -f -a "man" -d 'Print the man page (roff), or one subcommand\'s page, or write them all into a folder'
complete -c itemctl -n "__fish_itemctl_using_subcommand help; and not __fish_seen_subcommand_from serve put check wait bench completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
