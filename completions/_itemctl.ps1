
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'itemctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'itemctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'itemctl' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the endpoint, answering exactly like the reference FastAPI app')
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Send one upsert (PUT /items/ID) and print the status and body')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Verify the upsert contract of a server (or of the embedded one)')
            [CompletionResult]::new('wait', 'wait', [CompletionResultType]::ParameterValue, 'Wait until a server answers HTTP (exit 0), or time out (exit 3)')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Drive upserts at a server and report throughput, latency and contract violations')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff), or one subcommand''s page, or write them all into a folder')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'itemctl;serve' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'The address or host name to listen on (127.0.0.1, ::1, localhost, 0.0.0.0)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The port to listen on; 0 picks a free one')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The port to listen on; 0 picks a free one')
            [CompletionResult]::new('--openapi', '--openapi', [CompletionResultType]::ParameterName, 'Stand in for the app this OpenAPI document describes (a file or a URL, JSON or YAML, such as FastAPI''s /openapi.json): every upsert (a PUT with path parameters and a JSON body) with its own store, validated as FastAPI and pydantic would. Default: the tutorial''s app')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Serve only the operations of this path template of the document (/v2/products/{sku})')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Start with the items of this JSON file instead of the reference''s foo and bar: {"key": item, ..}, or with several upsert resources {"/path/{template}": {"key": item, ..}, ..}. Each item is validated as the app would store it')
            [CompletionResult]::new('--url-file', '--url-file', [CompletionResultType]::ParameterName, 'Once listening, write the base URL and a newline to FILE, atomically (for `itemctl wait --url-file FILE`); the file is removed on exit')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'The access log''s lines: text, or one JSON object per line (time, method, target, status, latency_ms, id, created)')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Requests the --admin journal keeps (the latest)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Keep the items in this SQLite file: they survive a restart, and every acknowledged upsert is committed before its answer')
            [CompletionResult]::new('--cors', '--cors', [CompletionResultType]::ParameterName, 'Answer CORS preflights and add CORS headers, for a browser front end on another origin (any origin, or the one given)')
            [CompletionResult]::new('--delay', '--delay', [CompletionResultType]::ParameterName, 'Fault: wait this long before answering an upsert (50ms), or a random time in a range (10ms..200ms)')
            [CompletionResult]::new('--fail-rate', '--fail-rate', [CompletionResultType]::ParameterName, 'Fault: answer this share of upserts (0 to 1) with --fail-status, storing nothing')
            [CompletionResult]::new('--fail-status', '--fail-status', [CompletionResultType]::ParameterName, 'The status of a failed upsert (with a JSON detail; 429 and 503 add Retry-After)')
            [CompletionResult]::new('--drop-rate', '--drop-rate', [CompletionResultType]::ParameterName, 'Fault: close the connection of this share of upserts (0 to 1) without an answer, storing nothing')
            [CompletionResult]::new('--fault-seed', '--fault-seed', [CompletionResultType]::ParameterName, 'Seed the fault draws, for reproducible runs')
            [CompletionResult]::new('--max-body', '--max-body', [CompletionResultType]::ParameterName, 'Largest request body accepted, in bytes (larger: 413 with a JSON detail). The reference has no limit')
            [CompletionResult]::new('--max-items', '--max-items', [CompletionResultType]::ParameterName, 'Most items stored; creating one more gets 507 with a JSON detail (stored ids can still be updated). Unbounded when not given')
            [CompletionResult]::new('--header-timeout', '--header-timeout', [CompletionResultType]::ParameterName, 'How long a request head may take from its first byte to its end (cuts off slow-loris clients): 10s, 500ms; a bare number is seconds. Idle connections close after 5 s')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Connections served at once; more wait in the listen backlog')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never')
            [CompletionResult]::new('--approximate', '--approximate', [CompletionResultType]::ParameterName, 'Accept documented approximations of what cannot be validated exactly (a set, an unknown string format, bytes), with a warning, instead of refusing the document')
            [CompletionResult]::new('--empty', '--empty', [CompletionResultType]::ParameterName, 'Start with no items')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No access log')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No access log')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Serve a control API under /__itemctl/: stored items, reset, the request journal, health, faults (documented in /openapi.json)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'itemctl;put' {
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'The item path below the base URL, with one {…} placeholder for the id: /items/{item_id}, /api/v1/users/{user_id}, …. Default: the one PUT endpoint the server''s OpenAPI document describes, else the tutorial''s /items/{item_id}')
            [CompletionResult]::new('--openapi', '--openapi', [CompletionResultType]::ParameterName, 'The OpenAPI document to take the endpoint and item from, a URL or a file, JSON or YAML. Default: URL/openapi.json when the server publishes it')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The tutorial''s name field to send (left out of the body when not given); a warning when the endpoint''s item has no field name')
            [CompletionResult]::new('--size', '--size', [CompletionResultType]::ParameterName, 'The tutorial''s size field to send, an integer of any length (left out when not given); a warning when the item has no field size')
            [CompletionResult]::new('--body', '--body', [CompletionResultType]::ParameterName, 'Send this raw body instead: JSON text, @FILE, or - for stdin')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra request header, `Name: value` (repeatable; replaces a default such as content-type): auth tokens')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header, `Name: value` (repeatable; replaces a default such as content-type): auth tokens')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The server''s base URL')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'Assert the status: created (201), updated (200) or a status code')
            [CompletionResult]::new('--print', '--print', [CompletionResultType]::ParameterName, 'What to show, as letters: H request headers, B request body, h response status line and headers, b response body (default: b with the status line). Everything but the response body goes to stderr')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long a request may take: 10s, 500ms; a bare number is seconds. For put it is the whole command''s (discovery and retries included), as curl''s --max-time')
            [CompletionResult]::new('--retry', '--retry', [CompletionResultType]::ParameterName, 'Retry this many times when the connection fails (with backoff), for a server that is still starting')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never')
            [CompletionResult]::new('--null-name', '--null-name', [CompletionResultType]::ParameterName, 'Send "name": null')
            [CompletionResult]::new('--null-size', '--null-size', [CompletionResultType]::ParameterName, 'Send "size": null')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON line: {"version","status","reason","id","body","elapsed_ms"} (docs/schemas/put.schema.json)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show the request sent (request line, headers, body) and the response''s status line and headers on stderr; same as --print HBhb')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show the request sent (request line, headers, body) and the response''s status line and headers on stderr; same as --print HBhb')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the request (as with --print HB) and send no PUT. Without --path it first reads the OpenAPI document (a GET, as a real send does), so the path shown is the one a real send would use')
            [CompletionResult]::new('--curl', '--curl', [CompletionResultType]::ParameterName, 'Print the curl command that sends the same request (path, query, headers, body), and send no PUT; like --dry-run, it reads the OpenAPI document first unless --path is given')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Write the response body exactly as received: no newline added after a piped body that does not end in one')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no status line, no warnings)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no status line, no warnings)')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Follow redirects (up to 10)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'itemctl;check' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The server''s base URL (bench: http:// only); without it the embedded server is used (an error where $CI is set, unless --embedded)')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'The item path below the base URL, with one {…} placeholder for the id: /items/{item_id}, /api/v1/users/{user_id}, …. Default: the one PUT endpoint the server''s OpenAPI document describes, else the tutorial''s /items/{item_id}')
            [CompletionResult]::new('--openapi', '--openapi', [CompletionResultType]::ParameterName, 'The OpenAPI document to take the endpoint and item from, a URL or a file, JSON or YAML. Default: URL/openapi.json when the server publishes it')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra request header, `Name: value` (repeatable; replaces a default such as content-type): auth tokens')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header, `Name: value` (repeatable; replaces a default such as content-type): auth tokens')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only these checks (comma-separated)')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Skip these checks (comma-separated)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Concurrent first PUTs in the race check')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Also write a report to FILE, in the format its extension names: .xml (JUnit), .json or .tap, whatever --format says for stdout. It is written even when the server cannot be reached')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long a request may take: 10s, 500ms; a bare number is seconds. For put it is the whole command''s (discovery and retries included), as curl''s --max-time')
            [CompletionResult]::new('--retry', '--retry', [CompletionResultType]::ParameterName, 'Connection attempts to retry before giving up (with backoff)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'How long to wait for the server to answer before checking: 30s; a bare number is seconds')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never')
            [CompletionResult]::new('--embedded', '--embedded', [CompletionResultType]::ParameterName, 'Use the embedded server on purpose (needed where $CI is set)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only failed checks and the summary line')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only failed checks and the summary line')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request sent and each response (status, headers, body) on stderr as it happens, with the check it belongs to')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request sent and each response (status, headers, body) on stderr as it happens, with the check it belongs to')
            [CompletionResult]::new('--update-204', '--update-204', [CompletionResultType]::ParameterName, 'Accept `204 No Content` (no body) as an update even where the OpenAPI document does not list it: RFC 9110 allows it. replace then reads the item back with the document''s GET, where there is one')
            [CompletionResult]::new('--fastapi', '--fastapi', [CompletionResultType]::ParameterName, 'Also check pydantic''s coercions and FastAPI''s 422 shape')
            [CompletionResult]::new('--exact-echo', '--exact-echo', [CompletionResultType]::ParameterName, 'Responses must hold exactly the item''s fields (no extra `id` or timestamps). The default for the tutorial''s item, unless the documented response schema lists other fields')
            [CompletionResult]::new('--no-exact-echo', '--no-exact-echo', [CompletionResultType]::ParameterName, 'Every sent field must come back with its value; other fields (an `id`, timestamps) are allowed. The default for any item but the tutorial''s')
            [CompletionResult]::new('--seeded', '--seeded', [CompletionResultType]::ParameterName, 'Also check that the reference''s seeded ids foo and bar exist (they are PUT back with their seed values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'itemctl;wait' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The server''s base URL')
            [CompletionResult]::new('--url-file', '--url-file', [CompletionResultType]::ParameterName, 'Wait for this file (written by `itemctl serve --url-file`) and use the URL in it; the URL is printed on stdout once the server answers')
            [CompletionResult]::new('--pid', '--pid', [CompletionResultType]::ParameterName, 'Give up at once (exit 3) when this process exits first: the `$!` of a server started in the background')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to keep trying: 30s, 2m; a bare number is seconds')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'itemctl;bench' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The server''s base URL (bench: http:// only); without it the embedded server is used (an error where $CI is set, unless --embedded)')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'The item path below the base URL, with one {…} placeholder for the id: /items/{item_id}, /api/v1/users/{user_id}, …. Default: the one PUT endpoint the server''s OpenAPI document describes, else the tutorial''s /items/{item_id}')
            [CompletionResult]::new('--openapi', '--openapi', [CompletionResultType]::ParameterName, 'The OpenAPI document to take the endpoint and item from, a URL or a file, JSON or YAML. Default: URL/openapi.json when the server publishes it')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Open-loop: send this many requests per second in all, on schedule, and measure latency from when each request was due (no coordinated omission). Without it, each connection sends as fast as answers come. -R as in wrk2 (oha''s -q is --quiet here, as in every itemctl command)')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Open-loop: send this many requests per second in all, on schedule, and measure latency from when each request was due (no coordinated omission). Without it, each connection sends as fast as answers come. -R as in wrk2 (oha''s -q is --quiet here, as in every itemctl command)')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra request header, `Name: value` (repeatable; replaces a default such as content-type): auth tokens')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header, `Name: value` (repeatable; replaces a default such as content-type): auth tokens')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Concurrent keep-alive connections')
            [CompletionResult]::new('--connections', '--connections', [CompletionResultType]::ParameterName, 'Concurrent keep-alive connections')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Stop after this many requests')
            [CompletionResult]::new('--requests', '--requests', [CompletionResultType]::ParameterName, 'Stop after this many requests')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Stop after this long: 10s, 500ms, 2m; a bare number is seconds')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Stop after this long: 10s, 500ms, 2m; a bare number is seconds')
            [CompletionResult]::new('--ids', '--ids', [CompletionResultType]::ParameterName, 'Distinct ids to spread the upserts over')
            [CompletionResult]::new('--body', '--body', [CompletionResultType]::ParameterName, 'The body of every upsert: JSON text, @FILE, or - for stdin. Default: a valid item of the OpenAPI document''s shape, else the tutorial''s {"name":"x","size":3}')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long a request may take: 10s, 500ms; a bare number is seconds. For put it is the whole command''s (discovery and retries included), as curl''s --max-time')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never')
            [CompletionResult]::new('--embedded', '--embedded', [CompletionResultType]::ParameterName, 'Use the embedded server on purpose (needed where $CI is set)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the requests line and the result (no endpoint, latency, histogram or status lines) and no progress bar. --json is whole')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the requests line and the result (no endpoint, latency, histogram or status lines) and no progress bar. --json is whole')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as one JSON document')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'itemctl;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'itemctl;man' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write every page into DIR (itemctl.1, itemctl-serve.1, …) and print their paths, e.g. --dir ~/.local/share/man/man1')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'itemctl;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the endpoint, answering exactly like the reference FastAPI app')
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Send one upsert (PUT /items/ID) and print the status and body')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Verify the upsert contract of a server (or of the embedded one)')
            [CompletionResult]::new('wait', 'wait', [CompletionResultType]::ParameterValue, 'Wait until a server answers HTTP (exit 0), or time out (exit 3)')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Drive upserts at a server and report throughput, latency and contract violations')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff), or one subcommand''s page, or write them all into a folder')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'itemctl;help;serve' {
            break
        }
        'itemctl;help;put' {
            break
        }
        'itemctl;help;check' {
            break
        }
        'itemctl;help;wait' {
            break
        }
        'itemctl;help;bench' {
            break
        }
        'itemctl;help;completions' {
            break
        }
        'itemctl;help;man' {
            break
        }
        'itemctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
