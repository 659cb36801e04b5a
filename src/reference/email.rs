//! pydantic's `EmailStr`: pydantic 2.14 `networks.py` (`validate_email`:
//! the 2048-character limit, CR/LF, the "pretty" `Name <addr>` form,
//! stripping) over email-validator 2.4 `syntax.py` with pydantic's
//! settings (`check_deliverability=False`, no quoted local parts, no
//! domain literals, no display names after pydantic took them off): the
//! normalized address, or the reason, word for word.
//!
//! The ASCII grammar is email-validator's exactly. Internationalized
//! domains go through the `idna` crate's UTS #46 processing, which may
//! word a rare reason differently from Python's `idna` package.

use regex::Regex;
use std::sync::OnceLock;

/// `value is not a valid email address: {reason}`'s reason, or the
/// normalized address.
///
/// # Errors
/// email-validator's (or pydantic's) reason, in its words.
pub fn validate(value: &str) -> Result<String, String> {
    if value.chars().count() > 2048 {
        return Err("Length must not exceed 2048 characters".into());
    }
    if value.contains(['\r', '\n']) {
        return Err("Carriage return and line feed characters are not allowed".into());
    }
    let inner = pretty(value).unwrap_or(value);
    validate_email(py_strip(inner))
}

/// Python's `str.strip()`.
fn py_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// pydantic's `pretty_email_regex`: `Name <addr>` or `"Name" <addr>`,
/// whole; the address part.
fn pretty(value: &str) -> Option<&str> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let re = RE
        .get_or_init(|| {
            let name_chars = r"[\w.!#$%&'*+\-/=?^_`{|}~]";
            let unquoted = format!(r"((?:{name_chars}+\s+)*{name_chars}+)");
            let quoted = r#""((?:[^"]|\")+)""#;
            Regex::new(&format!(r"^\s*(?:{unquoted}|{quoted})?\s*<(.+)>\s*$")).ok()
        })
        .as_ref()?;
    re.captures(value)
        .and_then(|c| c.get(3))
        .map(|m| m.as_str())
}

const ATEXT: &str = "a-zA-Z0-9_!#$%&'*+\\-/=?^`{|}~";

fn re(
    cell: &'static OnceLock<Option<Regex>>,
    pattern: impl FnOnce() -> String,
) -> Option<&'static Regex> {
    cell.get_or_init(|| Regex::new(&pattern()).ok()).as_ref()
}

fn dot_atom_text(s: &str) -> bool {
    static C: OnceLock<Option<Regex>> = OnceLock::new();
    re(&C, || format!("^[{ATEXT}]+(?:\\.[{ATEXT}]+)*$")).is_some_and(|r| r.is_match(s))
}

fn dot_atom_text_intl(s: &str) -> bool {
    static C: OnceLock<Option<Regex>> = OnceLock::new();
    re(&C, || {
        format!("^[{ATEXT}\\x{{80}}-\\x{{10FFFF}}]+(?:\\.[{ATEXT}\\x{{80}}-\\x{{10FFFF}}]+)*$")
    })
    .is_some_and(|r| r.is_match(s))
}

fn atext_intl_dot(c: char) -> bool {
    c == '.' || c as u32 >= 0x80 || c.is_ascii_alphanumeric() || "_!#$%&'*+-/=?^`{|}~".contains(c)
}

fn atext_hostname_intl(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '.' || c as u32 >= 0x80
}

fn dot_atom_text_hostname(s: &str) -> bool {
    static C: OnceLock<Option<Regex>> = OnceLock::new();
    re(&C, || {
        let label = "(?:(?:[a-zA-Z0-9][a-zA-Z0-9\\-]*)?[a-zA-Z0-9])";
        format!("^{label}(?:\\.{label})*$")
    })
    .is_some_and(|r| r.is_match(s))
}

/// Unicode's general category class of a character, as far as
/// email-validator asks: `L`, `N`, `P`, `S`, `M`, `Zs`, `Z`, `C`.
fn category(c: char) -> &'static str {
    static C: OnceLock<Option<[Regex; 6]>> = OnceLock::new();
    let Some(classes) = C
        .get_or_init(|| {
            let one = |p: &str| Regex::new(&format!("^{p}$")).ok();
            Some([
                one(r"[\p{L}\p{N}\p{P}\p{S}]")?,
                one(r"\p{M}")?,
                one(r"\p{Zs}")?,
                one(r"\p{Z}")?,
                one(r"\p{Cf}")?,
                one(r"\p{Cn}")?,
            ])
        })
        .as_ref()
    else {
        return "C";
    };
    let mut buf = [0u8; 4];
    let s = c.encode_utf8(&mut buf);
    if classes[0].is_match(s) {
        "LNPS"
    } else if classes[1].is_match(s) {
        "M"
    } else if classes[2].is_match(s) {
        "Zs"
    } else if classes[3].is_match(s) {
        "Z"
    } else if classes[4].is_match(s) {
        "Cf"
    } else if classes[5].is_match(s) {
        "Cn"
    } else {
        "C"
    }
}

/// email-validator's `safe_character_display`: `repr` for letters,
/// numbers, punctuation and symbols; else the character's Unicode name,
/// or `U+XXXX`.
fn display(c: char) -> String {
    if c == '\\' {
        return "\"\\\"".into();
    }
    if category(c) == "LNPS" {
        return super::core::py_str_repr(&c.to_string());
    }
    let named = match c {
        ' ' => Some("SPACE"),
        '\u{a0}' => Some("NO-BREAK SPACE"),
        '\u{2028}' => Some("LINE SEPARATOR"),
        '\u{2029}' => Some("PARAGRAPH SEPARATOR"),
        '\u{200b}' => Some("ZERO WIDTH SPACE"),
        '\u{200d}' => Some("ZERO WIDTH JOINER"),
        '\u{feff}' => Some("ZERO WIDTH NO-BREAK SPACE"),
        '\u{3000}' => Some("IDEOGRAPHIC SPACE"),
        _ => None,
    };
    match named {
        Some(n) => n.to_owned(),
        None if (c as u32) < 0xFFFF => format!("U+{:04X}", c as u32),
        None => format!("U+{:08X}", c as u32),
    }
}

/// `", ".join(sorted({display(c) …}))`.
fn listed(chars: impl Iterator<Item = char>) -> String {
    let mut shown: Vec<String> = chars.map(display).collect();
    shown.sort();
    shown.dedup();
    shown.join(", ")
}

/// email-validator `split_email` (no display name: pydantic took it off).
fn split(email: &str) -> Result<(&str, &str), String> {
    // At the first '@' outside quotes (email-validator also stops at '<').
    let mut inside = false;
    let mut escaped = false;
    for (i, c) in email.char_indices() {
        if inside {
            if c == '\\' && !escaped {
                escaped = true;
            } else {
                if c == '"' && !escaped {
                    inside = false;
                }
                escaped = false;
            }
        } else if c == '"' {
            inside = true;
        } else if c == '@' || c == '<' {
            if c == '<' {
                return Err("A display name and angle brackets around the email address are not permitted here.".into());
            }
            return Ok((&email[..i], &email[i + 1..]));
        }
    }
    if email.contains('＠') {
        return Err("The email address has the \"full-width\" at-sign (@) character instead of a regular at-sign.".into());
    }
    if email.contains('﹫') {
        return Err("The email address has the \"small commercial at\" character instead of a regular at-sign.".into());
    }
    Err("An email address must have an @-sign.".into())
}

fn check_unsafe(s: &str, allow_space: bool) -> Result<(), String> {
    let bad: Vec<char> = s
        .chars()
        .enumerate()
        .filter(|(i, c)| match category(*c) {
            "LNPS" => false,
            "M" => *i == 0,
            "Zs" => !allow_space,
            _ => true,
        })
        .map(|(_, c)| c)
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        let mut sorted = bad;
        sorted.sort();
        sorted.dedup();
        Err(format!(
            "The email address contains unsafe characters: {}.",
            sorted
                .into_iter()
                .map(display)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

fn check_dot_atom(label: &str, start: &str, end: &str, hostname: bool) -> Result<(), String> {
    if label.ends_with('.') {
        return Err(end.replace("{}", "period"));
    }
    if label.starts_with('.') {
        return Err(start.replace("{}", "period"));
    }
    if label.contains("..") {
        return Err("An email address cannot have two periods in a row.".into());
    }
    if hostname {
        if label.ends_with('-') {
            return Err(end.replace("{}", "hyphen"));
        }
        if label.starts_with('-') {
            return Err(start.replace("{}", "hyphen"));
        }
        if label.contains(".-") || label.contains("-.") {
            return Err(
                "An email address cannot have a period and a hyphen next to each other.".into(),
            );
        }
    }
    Ok(())
}

const CASE_INSENSITIVE: [&str; 15] = [
    "info",
    "marketing",
    "sales",
    "support",
    "abuse",
    "noc",
    "security",
    "postmaster",
    "hostmaster",
    "usenet",
    "news",
    "webmaster",
    "www",
    "uucp",
    "ftp",
];

const SPECIAL_USE: [&str; 6] = ["arpa", "invalid", "local", "localhost", "onion", "test"];

fn length_reason(s: &str, limit: usize) -> String {
    let diff = s.chars().count() - limit;
    format!(
        "({diff} character{} too many)",
        if diff > 1 { "s" } else { "" }
    )
}

fn local_part(local: &str) -> Result<String, String> {
    if local.is_empty() {
        return Err("There must be something before the @-sign.".into());
    }
    if dot_atom_text(local) {
        return Ok(local.to_owned());
    }
    if dot_atom_text_intl(local) {
        check_unsafe(local, false)?;
        return Ok(local.to_owned());
    }
    let quoted = local.starts_with('"');
    if quoted {
        return Err("Quoting the part before the @-sign is not allowed here.".into());
    }
    let bad: Vec<char> = local.chars().filter(|c| !atext_intl_dot(*c)).collect();
    if !bad.is_empty() {
        return Err(format!(
            "The email address contains invalid characters before the @-sign: {}.",
            listed(bad.into_iter())
        ));
    }
    check_dot_atom(
        local,
        "An email address cannot start with a {}.",
        "An email address cannot have a {} immediately before the @-sign.",
        false,
    )?;
    Err("The email address contains invalid characters before the @-sign.".into())
}

fn uts46_valid(c: char) -> bool {
    let n = c as u32;
    if (0x80..=0x9f).contains(&n) {
        return false;
    }
    if ((0x2010..=0x2060).contains(&n)
        && !(0x2024..=0x2026).contains(&n)
        && !(0x2028..=0x202e).contains(&n))
        || [0xad, 0x2064, 0xff0e].contains(&n)
        || (0x200b..=0x200d).contains(&n)
        || (0x1bca0..=0x1bca3).contains(&n)
    {
        return true;
    }
    !matches!(category(c), "Cf" | "Cn" | "Zs" | "Z") && !(0xe000..=0xf8ff).contains(&n)
}

fn domain_part(domain: &str) -> Result<String, String> {
    if domain.chars().count() > 253 {
        return Err(format!(
            "The email address is too long after the @-sign {}.",
            length_reason(domain, 253)
        ));
    }
    let bad: Vec<char> = domain
        .chars()
        .filter(|c| !atext_hostname_intl(*c))
        .collect();
    if !bad.is_empty() {
        return Err(format!(
            "The part after the @-sign contains invalid characters: {}.",
            listed(bad.into_iter())
        ));
    }
    check_unsafe(domain, false)?;
    let bad: Vec<char> = domain.chars().filter(|c| !uts46_valid(*c)).collect();
    if !bad.is_empty() {
        return Err(format!(
            "The part after the @-sign contains invalid characters: {}.",
            listed(bad.into_iter())
        ));
    }
    // UTS #46 mapping (lower case, full width to ASCII, NFC).
    let mapped = if domain.is_ascii() {
        domain.to_ascii_lowercase()
    } else {
        let (unicode, result) = idna::domain_to_unicode(domain);
        if result.is_err() {
            return Err(
                "The part after the @-sign contains invalid characters (Codepoint not allowed)."
                    .into(),
            );
        }
        unicode
    };
    let bad: Vec<char> = mapped
        .chars()
        .filter(|c| !atext_hostname_intl(*c))
        .collect();
    if !bad.is_empty() {
        return Err(format!(
            "The part after the @-sign contains invalid characters after Unicode normalization: {}.",
            listed(bad.into_iter())
        ));
    }
    check_dot_atom(
        &mapped,
        "An email address cannot have a {} immediately after the @-sign.",
        "An email address cannot end with a {}.",
        true,
    )?;
    for label in mapped.split('.') {
        let b = label.as_bytes();
        if b.len() >= 4 && &b[2..4] == b"--" && !label[..2].eq_ignore_ascii_case("xn") {
            return Err("An email address cannot have two letters followed by two dashes immediately after the @-sign or after a period, except Punycode.".into());
        }
    }
    let ascii = if dot_atom_text_hostname(&mapped) {
        mapped.clone()
    } else {
        let a = idna::domain_to_ascii(&mapped)
            .map_err(|e| format!("The part after the @-sign is invalid ({e})."))?;
        if !dot_atom_text_hostname(&a) {
            return Err("The email address contains invalid characters after the @-sign after IDNA encoding.".into());
        }
        a
    };
    if ascii.len() > 253 {
        return Err(format!(
            "The email address is too long after the @-sign {}.",
            length_reason(&ascii, 253)
        ));
    }
    for label in ascii.split('.') {
        if label.len() > 63 {
            return Err(format!(
                "After the @-sign, periods cannot be separated by so many characters {}.",
                length_reason(label, 63)
            ));
        }
    }
    if !ascii.contains('.') {
        return Err("The part after the @-sign is not valid. It should have a period.".into());
    }
    if !ascii
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_alphabetic())
    {
        return Err(
            "The part after the @-sign is not valid. It is not within a valid top-level domain."
                .into(),
        );
    }
    for d in SPECIAL_USE {
        if ascii == d || ascii.ends_with(&format!(".{d}")) {
            return Err("The part after the @-sign is a special-use or reserved name that cannot be used with email.".into());
        }
    }
    if !ascii.contains("xn--") {
        return Ok(ascii);
    }
    let (unicode, result) = idna::domain_to_unicode(&ascii);
    result.map_err(|e| format!("The part after the @-sign is not valid IDNA ({e})."))?;
    Ok(unicode)
}

/// email-validator `validate_email(email, check_deliverability=False)`.
fn validate_email(email: &str) -> Result<String, String> {
    let (local, domain) = split(email)?;
    let mut local = local_part(local)?;
    if CASE_INSENSITIVE.contains(&local.to_ascii_lowercase().as_str()) && local.is_ascii() {
        local = local.to_ascii_lowercase();
    }
    if domain.is_empty() {
        return Err("There must be something after the @-sign.".into());
    }
    if domain.starts_with('[') && domain.ends_with(']') {
        return Err("A bracketed IP address after the @-sign is not allowed here.".into());
    }
    let domain = domain_part(domain)?;
    let normalized = format!("{local}@{domain}");
    for addr in [format!("{}@{domain}", local), normalized.clone()] {
        let diff = addr.len().saturating_sub(254);
        if diff > 0 {
            let reason = if addr.len() == addr.chars().count() {
                length_reason(&addr, 254)
            } else {
                format!(
                    "({diff} character{} too many)",
                    if diff > 1 { "s" } else { "" }
                )
            };
            return Err(format!("The email address is too long {reason}."));
        }
    }
    Ok(normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Measured on pydantic 2.14.3 with email-validator 2.4.0.
    #[test]
    fn reasons_and_normalized_addresses_as_pydantic_gives_them() {
        for (input, want) in [
            ("user@example.com", Ok("user@example.com")),
            ("First.Last@Example.COM", Ok("First.Last@example.com")),
            ("John Doe <john@example.com>", Ok("john@example.com")),
            (" user@example.com ", Ok("user@example.com")),
            ("INFO@example.com", Ok("info@example.com")),
            ("-@b.com", Ok("-@b.com")),
            ("user@example.c", Ok("user@example.c")),
            ("user@ＥＸＡＭＰＬＥ.com", Ok("user@example.com")),
            ("not-an-email", Err("An email address must have an @-sign.")),
            ("", Err("An email address must have an @-sign.")),
            (
                "a@b",
                Err("The part after the @-sign is not valid. It should have a period."),
            ),
            (
                "@example.com",
                Err("There must be something before the @-sign."),
            ),
            ("user@", Err("There must be something after the @-sign.")),
            (
                "a b@c.com",
                Err("The email address contains invalid characters before the @-sign: SPACE."),
            ),
            (
                "user@@example.com",
                Err("The part after the @-sign contains invalid characters: '@'."),
            ),
            (
                "user@example..com",
                Err("An email address cannot have two periods in a row."),
            ),
            (
                "user@-example.com",
                Err("An email address cannot have a hyphen immediately after the @-sign."),
            ),
            (
                "user@example.com-",
                Err("An email address cannot end with a hyphen."),
            ),
            (
                "user.@example.com",
                Err("An email address cannot have a period immediately before the @-sign."),
            ),
            (
                ".user@example.com",
                Err("An email address cannot start with a period."),
            ),
            (
                "user@exa mple.com",
                Err("The part after the @-sign contains invalid characters: SPACE."),
            ),
            (
                "\"quoted\"@example.com",
                Err("Quoting the part before the @-sign is not allowed here."),
            ),
            (
                "user@[127.0.0.1]",
                Err("A bracketed IP address after the @-sign is not allowed here."),
            ),
            (
                "user@localhost",
                Err("The part after the @-sign is not valid. It should have a period."),
            ),
            (
                "user@example.invalid",
                Err(
                    "The part after the @-sign is a special-use or reserved name that cannot be used with email.",
                ),
            ),
            (
                "a@b.c1",
                Err(
                    "The part after the @-sign is not valid. It is not within a valid top-level domain.",
                ),
            ),
            (
                "user@example.com\n",
                Err("Carriage return and line feed characters are not allowed"),
            ),
            (
                "user\t@example.com",
                Err("The email address contains invalid characters before the @-sign: U+0009."),
            ),
            (
                "user@ex_ample.com",
                Err("The part after the @-sign contains invalid characters: '_'."),
            ),
            (
                "user@ab--cd.com",
                Err(
                    "An email address cannot have two letters followed by two dashes immediately after the @-sign or after a period, except Punycode.",
                ),
            ),
            (
                "user＠example.com",
                Err(
                    "The email address has the \"full-width\" at-sign (@) character instead of a regular at-sign.",
                ),
            ),
            (
                "a@b.com.",
                Err("An email address cannot end with a period."),
            ),
        ] {
            assert_eq!(
                validate(input).as_deref().map_err(String::as_str),
                want,
                "{input:?}"
            );
        }
    }
}
