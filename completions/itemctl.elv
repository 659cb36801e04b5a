
use builtin;
use str;

set edit:completion:arg-completer[itemctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'itemctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'itemctl'= {
            cand --color 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand serve 'Serve the endpoint, answering exactly like the reference FastAPI app'
            cand put 'Send one upsert (PUT /items/ID) and print the status and body'
            cand check 'Verify the upsert contract of a server (or of the embedded one)'
            cand wait 'Wait until a server answers HTTP (exit 0), or time out (exit 3)'
            cand bench 'Drive upserts at a server and report throughput, latency and contract violations'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff), or one subcommand''s page, or write them all into a folder'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'itemctl;serve'= {
            cand --host 'The address or host name to listen on (127.0.0.1, ::1, localhost, 0.0.0.0)'
            cand -p 'The port to listen on; 0 picks a free one'
            cand --port 'The port to listen on; 0 picks a free one'
            cand --openapi 'Stand in for the app this OpenAPI document describes (a file or a URL, JSON or YAML, such as FastAPI''s /openapi.json): every upsert (a PUT with path parameters and a JSON body) with its own store, validated as FastAPI and pydantic would. Default: the tutorial''s app'
            cand --path 'Serve only the operations of this path template of the document (/v2/products/{sku})'
            cand --seed 'Start with the items of this JSON file instead of the reference''s foo and bar: {"key": item, ..}, or with several upsert resources {"/path/{template}": {"key": item, ..}, ..}. Each item is validated as the app would store it'
            cand --url-file 'Once listening, write the base URL and a newline to FILE, atomically (for `itemctl wait --url-file FILE`); the file is removed on exit'
            cand --log-format 'The access log''s lines: text, or one JSON object per line (time, method, target, status, latency_ms, id, created)'
            cand --journal 'Requests the --admin journal keeps (the latest)'
            cand --state 'Keep the items in this SQLite file: they survive a restart, and every acknowledged upsert is committed before its answer'
            cand --cors 'Answer CORS preflights and add CORS headers, for a browser front end on another origin (any origin, or the one given)'
            cand --delay 'Fault: wait this long before answering an upsert (50ms), or a random time in a range (10ms..200ms)'
            cand --fail-rate 'Fault: answer this share of upserts (0 to 1) with --fail-status, storing nothing'
            cand --fail-status 'The status of a failed upsert (with a JSON detail; 429 and 503 add Retry-After)'
            cand --drop-rate 'Fault: close the connection of this share of upserts (0 to 1) without an answer, storing nothing'
            cand --fault-seed 'Seed the fault draws, for reproducible runs'
            cand --max-body 'Largest request body accepted, in bytes (larger: 413 with a JSON detail). The reference has no limit'
            cand --max-items 'Most items stored; creating one more gets 507 with a JSON detail (stored ids can still be updated). Unbounded when not given'
            cand --header-timeout 'How long a request head may take from its first byte to its end (cuts off slow-loris clients): 10s, 500ms; a bare number is seconds. Idle connections close after 5 s'
            cand --max-connections 'Connections served at once; more wait in the listen backlog'
            cand --color 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never'
            cand --approximate 'Accept documented approximations of what cannot be validated exactly (a set, an unknown string format, bytes), with a warning, instead of refusing the document'
            cand --empty 'Start with no items'
            cand -q 'No access log'
            cand --quiet 'No access log'
            cand --admin 'Serve a control API under /__itemctl/: stored items, reset, the request journal, health, faults (documented in /openapi.json)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'itemctl;put'= {
            cand --path 'The item path below the base URL, with one {…} placeholder for the id: /items/{item_id}, /api/v1/users/{user_id}, …. Default: the one PUT endpoint the server''s OpenAPI document describes, else the tutorial''s /items/{item_id}'
            cand --openapi 'The OpenAPI document to take the endpoint and item from, a URL or a file, JSON or YAML. Default: URL/openapi.json when the server publishes it'
            cand --name 'The tutorial''s name field to send (left out of the body when not given); a warning when the endpoint''s item has no field name'
            cand --size 'The tutorial''s size field to send, an integer of any length (left out when not given); a warning when the item has no field size'
            cand --body 'Send this raw body instead: JSON text, @FILE, or - for stdin'
            cand -H 'Extra request header, `Name: value` (repeatable; replaces a default such as content-type): auth tokens'
            cand --header 'Extra request header, `Name: value` (repeatable; replaces a default such as content-type): auth tokens'
            cand --url 'The server''s base URL'
            cand --expect 'Assert the status: created (201), updated (200) or a status code'
            cand --print 'What to show, as letters: H request headers, B request body, h response status line and headers, b response body (default: b with the status line). Everything but the response body goes to stderr'
            cand --timeout 'How long a request may take: 10s, 500ms; a bare number is seconds. For put it is the whole command''s (discovery and retries included), as curl''s --max-time'
            cand --retry 'Retry this many times when the connection fails (with backoff), for a server that is still starting'
            cand --color 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never'
            cand --null-name 'Send "name": null'
            cand --null-size 'Send "size": null'
            cand --json 'Print one JSON line: {"version","status","reason","id","body","elapsed_ms"} (docs/schemas/put.schema.json)'
            cand -v 'Show the request sent (request line, headers, body) and the response''s status line and headers on stderr; same as --print HBhb'
            cand --verbose 'Show the request sent (request line, headers, body) and the response''s status line and headers on stderr; same as --print HBhb'
            cand --dry-run 'Show the request (as with --print HB) and send no PUT. Without --path it first reads the OpenAPI document (a GET, as a real send does), so the path shown is the one a real send would use'
            cand --curl 'Print the curl command that sends the same request (path, query, headers, body), and send no PUT; like --dry-run, it reads the OpenAPI document first unless --path is given'
            cand --raw 'Write the response body exactly as received: no newline added after a piped body that does not end in one'
            cand -q 'Print nothing on stderr but errors (no status line, no warnings)'
            cand --quiet 'Print nothing on stderr but errors (no status line, no warnings)'
            cand --follow 'Follow redirects (up to 10)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'itemctl;check'= {
            cand --url 'The server''s base URL (bench: http:// only); without it the embedded server is used (an error where $CI is set, unless --embedded)'
            cand --path 'The item path below the base URL, with one {…} placeholder for the id: /items/{item_id}, /api/v1/users/{user_id}, …. Default: the one PUT endpoint the server''s OpenAPI document describes, else the tutorial''s /items/{item_id}'
            cand --openapi 'The OpenAPI document to take the endpoint and item from, a URL or a file, JSON or YAML. Default: URL/openapi.json when the server publishes it'
            cand -H 'Extra request header, `Name: value` (repeatable; replaces a default such as content-type): auth tokens'
            cand --header 'Extra request header, `Name: value` (repeatable; replaces a default such as content-type): auth tokens'
            cand --only 'Run only these checks (comma-separated)'
            cand --skip 'Skip these checks (comma-separated)'
            cand --concurrency 'Concurrent first PUTs in the race check'
            cand --format 'What to print on stdout'
            cand --report 'Also write a report to FILE, in the format its extension names: .xml (JUnit), .json or .tap, whatever --format says for stdout. It is written even when the server cannot be reached'
            cand --timeout 'How long a request may take: 10s, 500ms; a bare number is seconds. For put it is the whole command''s (discovery and retries included), as curl''s --max-time'
            cand --retry 'Connection attempts to retry before giving up (with backoff)'
            cand --wait 'How long to wait for the server to answer before checking: 30s; a bare number is seconds'
            cand --color 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never'
            cand --embedded 'Use the embedded server on purpose (needed where $CI is set)'
            cand -q 'Print only failed checks and the summary line'
            cand --quiet 'Print only failed checks and the summary line'
            cand -v 'Show each request sent and each response (status, headers, body) on stderr as it happens, with the check it belongs to'
            cand --verbose 'Show each request sent and each response (status, headers, body) on stderr as it happens, with the check it belongs to'
            cand --update-204 'Accept `204 No Content` (no body) as an update even where the OpenAPI document does not list it: RFC 9110 allows it. replace then reads the item back with the document''s GET, where there is one'
            cand --fastapi 'Also check pydantic''s coercions and FastAPI''s 422 shape'
            cand --exact-echo 'Responses must hold exactly the item''s fields (no extra `id` or timestamps). The default for the tutorial''s item, unless the documented response schema lists other fields'
            cand --no-exact-echo 'Every sent field must come back with its value; other fields (an `id`, timestamps) are allowed. The default for any item but the tutorial''s'
            cand --seeded 'Also check that the reference''s seeded ids foo and bar exist (they are PUT back with their seed values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'itemctl;wait'= {
            cand --url 'The server''s base URL'
            cand --url-file 'Wait for this file (written by `itemctl serve --url-file`) and use the URL in it; the URL is printed on stdout once the server answers'
            cand --pid 'Give up at once (exit 3) when this process exits first: the `$!` of a server started in the background'
            cand --timeout 'How long to keep trying: 30s, 2m; a bare number is seconds'
            cand --color 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'itemctl;bench'= {
            cand --url 'The server''s base URL (bench: http:// only); without it the embedded server is used (an error where $CI is set, unless --embedded)'
            cand --path 'The item path below the base URL, with one {…} placeholder for the id: /items/{item_id}, /api/v1/users/{user_id}, …. Default: the one PUT endpoint the server''s OpenAPI document describes, else the tutorial''s /items/{item_id}'
            cand --openapi 'The OpenAPI document to take the endpoint and item from, a URL or a file, JSON or YAML. Default: URL/openapi.json when the server publishes it'
            cand -R 'Open-loop: send this many requests per second in all, on schedule, and measure latency from when each request was due (no coordinated omission). Without it, each connection sends as fast as answers come. -R as in wrk2 (oha''s -q is --quiet here, as in every itemctl command)'
            cand --rate 'Open-loop: send this many requests per second in all, on schedule, and measure latency from when each request was due (no coordinated omission). Without it, each connection sends as fast as answers come. -R as in wrk2 (oha''s -q is --quiet here, as in every itemctl command)'
            cand -H 'Extra request header, `Name: value` (repeatable; replaces a default such as content-type): auth tokens'
            cand --header 'Extra request header, `Name: value` (repeatable; replaces a default such as content-type): auth tokens'
            cand -c 'Concurrent keep-alive connections'
            cand --connections 'Concurrent keep-alive connections'
            cand -n 'Stop after this many requests'
            cand --requests 'Stop after this many requests'
            cand -d 'Stop after this long: 10s, 500ms, 2m; a bare number is seconds'
            cand --duration 'Stop after this long: 10s, 500ms, 2m; a bare number is seconds'
            cand --ids 'Distinct ids to spread the upserts over'
            cand --body 'The body of every upsert: JSON text, @FILE, or - for stdin. Default: a valid item of the OpenAPI document''s shape, else the tutorial''s {"name":"x","size":3}'
            cand --timeout 'How long a request may take: 10s, 500ms; a bare number is seconds. For put it is the whole command''s (discovery and retries included), as curl''s --max-time'
            cand --color 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never'
            cand --embedded 'Use the embedded server on purpose (needed where $CI is set)'
            cand -q 'Print only the requests line and the result (no endpoint, latency, histogram or status lines) and no progress bar. --json is whole'
            cand --quiet 'Print only the requests line and the result (no endpoint, latency, histogram or status lines) and no progress bar. --json is whole'
            cand --json 'Print the report as one JSON document'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'itemctl;completions'= {
            cand --color 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'itemctl;man'= {
            cand --dir 'Write every page into DIR (itemctl.1, itemctl-serve.1, …) and print their paths, e.g. --dir ~/.local/share/man/man1'
            cand --color 'When to use colors: auto (a terminal, and NO_COLOR unset), always, never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'itemctl;help'= {
            cand serve 'Serve the endpoint, answering exactly like the reference FastAPI app'
            cand put 'Send one upsert (PUT /items/ID) and print the status and body'
            cand check 'Verify the upsert contract of a server (or of the embedded one)'
            cand wait 'Wait until a server answers HTTP (exit 0), or time out (exit 3)'
            cand bench 'Drive upserts at a server and report throughput, latency and contract violations'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff), or one subcommand''s page, or write them all into a folder'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'itemctl;help;serve'= {
        }
        &'itemctl;help;put'= {
        }
        &'itemctl;help;check'= {
        }
        &'itemctl;help;wait'= {
        }
        &'itemctl;help;bench'= {
        }
        &'itemctl;help;completions'= {
        }
        &'itemctl;help;man'= {
        }
        &'itemctl;help;help'= {
        }
    ]
    $completions[$command]
}
