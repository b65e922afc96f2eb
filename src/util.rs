//! Small shared helpers: durations as people write them, addresses as reports print them.

use std::net::SocketAddr;
use std::time::Duration;

/// The longest duration ssetop takes, from the command line or a capture: a year and a day.
/// Every sum and product made with such a duration (a deadline's instant, the slow sources'
/// `30 × --interval`, an offset into a capture) then stays far inside what the clocks hold.
pub const MAX_DURATION: Duration = Duration::from_secs(366 * 24 * 3600);

/// Parses `5s`, `500ms`, `2m30s`, `1h` (the `--interval`, `--deadline`, … options), up to
/// [`MAX_DURATION`].
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!(
                "{text:?} is not a duration (write it like 5s, 500ms, 2m30s)"
            ));
        }
        let number: f64 = rest[..digits]
            .parse()
            .map_err(|_| format!("{text:?}: {:?} is not a number", &rest[..digits]))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let seconds = match unit {
            "ms" => number / 1000.0,
            "s" | "" if rest.is_empty() => number,
            "s" => number,
            "m" | "min" => number * 60.0,
            "h" => number * 3600.0,
            other => {
                return Err(format!(
                    "{text:?}: unknown unit {other:?} (use ms, s, m or h)"
                ));
            }
        };
        let part = Duration::try_from_secs_f64(seconds).map_err(|e| format!("{text:?}: {e}"))?;
        total = total
            .checked_add(part)
            .filter(|t| *t <= MAX_DURATION)
            .ok_or_else(|| {
                format!("{text:?} is longer than the longest duration ssetop takes (366 days)")
            })?;
    }
    Ok(total)
}

/// `1h 2m`, `2m 40s`, `5s`, `350ms`: short, for screens and reports.
pub fn format_duration(duration: Duration) -> String {
    let total = duration.as_secs();
    if total == 0 {
        return format!("{}ms", duration.as_millis());
    }
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m {s}s"),
        (h, m, _) => format!("{h}h {m}m"),
    }
}

/// `2m30s`, `500ms`, `1h0m5s`: exact, and read back by [`parse_duration`] (a capture's
/// recorded options; [`format_duration`] rounds and puts spaces in).
pub fn format_duration_exact(duration: Duration) -> String {
    if duration.subsec_nanos() != 0 {
        // Sub-second precision beyond milliseconds is not an option anyone gives.
        return format!("{}ms", duration.as_millis());
    }
    let total = duration.as_secs();
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, s) => format!("{h}h{m}m{s}s"),
    }
}

/// `ip:port`, with IPv6 in brackets (the JSON contract's endpoint form).
pub fn endpoint(addr: &SocketAddr) -> String {
    addr.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_the_units_people_write() {
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m30s"), Ok(Duration::from_secs(150)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn durations_past_a_year_and_a_day_are_refused_not_overflowed() {
        assert_eq!(parse_duration("8784h"), Ok(MAX_DURATION));
        assert_eq!(
            parse_duration("8784h1s"),
            Err("\"8784h1s\" is longer than the longest duration ssetop takes (366 days)".into())
        );
        for text in [
            "700000000000000000s",
            "18000000000000000000s",
            "99999999999999999999999h",
            "5000000000000000000m5000000000000000000m",
        ] {
            let err = parse_duration(text).unwrap_err();
            assert!(err.starts_with(&format!("{text:?}")), "{text}: {err}");
        }
    }

    #[test]
    fn durations_format_short() {
        assert_eq!(format_duration(Duration::from_millis(350)), "350ms");
        assert_eq!(format_duration(Duration::from_secs(5)), "5s");
        assert_eq!(format_duration(Duration::from_secs(160)), "2m 40s");
        assert_eq!(format_duration(Duration::from_secs(300)), "5m");
        assert_eq!(format_duration(Duration::from_secs(3720)), "1h 2m");
    }

    #[test]
    fn exact_durations_read_back_unchanged() {
        for text in [
            "0s", "350ms", "1500ms", "5s", "2m", "2m30s", "1h", "1h0m5s", "2h3m4s",
        ] {
            let duration = parse_duration(text).unwrap();
            assert_eq!(format_duration_exact(duration), text);
            assert_eq!(
                parse_duration(&format_duration_exact(duration)),
                Ok(duration)
            );
        }
    }

    /// Each part fits in a `Duration`, their sum does not: an error naming the text, not the
    /// panic of `Duration`'s `+=`.
    #[test]
    fn a_sum_past_the_largest_duration_is_an_error_not_a_panic() {
        let text = "18446744073709549568s1h";
        assert_eq!(
            parse_duration(text),
            Err(format!(
                "{text:?} is longer than the longest duration ssetop takes (366 days)"
            ))
        );
    }

    #[test]
    fn endpoints_bracket_ipv6() {
        assert_eq!(endpoint(&"[::1]:443".parse().unwrap()), "[::1]:443");
        assert_eq!(endpoint(&"10.0.0.1:80".parse().unwrap()), "10.0.0.1:80");
    }
}
