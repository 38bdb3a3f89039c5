//! Odoo's dates and datetimes as seconds, for values that move with the clock.
//!
//! Odoo sends datetimes as UTC text, `2026-12-02 04:22:26` (`DEFAULT_SERVER_DATETIME_FORMAT`),
//! and dates as `2026-12-02`; captures stamp exchanges in ISO 8601 (`2026-12-02T04:22:26.123Z`).

/// What a string is, as far as the clock goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stamp {
    /// Midnight UTC of a date, in seconds since the epoch.
    Date(i64),
    /// Seconds since the epoch (UTC).
    DateTime(f64),
}

/// Reads `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.f]` or ISO 8601 with `T`, `Z` or an offset.
pub fn parse(text: &str) -> Option<Stamp> {
    let bytes = text.as_bytes();
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let midnight = days_from_civil(year, month, day) * 86_400;
    if bytes.len() == 10 {
        return Some(Stamp::Date(midnight));
    }
    if !matches!(bytes[10], b' ' | b'T') || bytes.len() < 19 || bytes[13] != b':' {
        return None;
    }
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    let mut fraction = 0.0;
    if let Some(after) = rest.strip_prefix('.') {
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        fraction = format!("0.{}", &after[..digits]).parse().ok()?;
        rest = &after[digits..];
    }
    let offset = match rest {
        "" | "Z" => 0,
        zone if zone.len() == 6 && matches!(zone.as_bytes()[0], b'+' | b'-') => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let part = |range: std::ops::Range<usize>| zone.get(range)?.parse::<i64>().ok();
            sign * (part(1..3)? * 3600 + part(4..6)? * 60)
        }
        _ => return None,
    };
    let seconds = midnight + hour * 3600 + minute * 60 + second - offset;
    Some(Stamp::DateTime(seconds as f64 + fraction))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// How far the run is from the capture in time, and how loosely that is known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeShift {
    /// The run's start minus the capture's start, in seconds.
    pub seconds: f64,
    /// How far a value may stray from that: the capture's length plus the run's so far, and
    /// some slack for the server's own clock.
    pub tolerance: f64,
}

impl TimeShift {
    /// True when `live` is `baseline` moved by the time between capture and run: a date or
    /// datetime the server set from its clock (an order date, a validity date 30 days on).
    pub fn shifted(&self, baseline: &str, live: &str) -> bool {
        match (parse(baseline), parse(live)) {
            (Some(Stamp::DateTime(a)), Some(Stamp::DateTime(b))) => {
                ((b - a) - self.seconds).abs() <= self.tolerance
            }
            // A date is the day of a datetime in the user's time zone: a day either way.
            (Some(Stamp::Date(a)), Some(Stamp::Date(b))) => {
                ((b - a) as f64 - self.seconds).abs() <= self.tolerance + 86_400.0
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odoo_and_iso_forms() {
        assert_eq!(parse("1970-01-02"), Some(Stamp::Date(86_400)));
        assert_eq!(parse("2026-12-02 04:22:26"), parse("2026-12-02T04:22:26Z"));
        assert_eq!(
            parse("2026-12-02T05:22:26.500+01:00"),
            parse("2026-12-02 04:22:26").map(|s| match s {
                Stamp::DateTime(t) => Stamp::DateTime(t + 0.5),
                other => other,
            })
        );
        for not_a_date in [
            "S00021",
            "2026-13-01",
            "2026-12-02 25:00:00",
            "12345678901",
            "2026-12-02x",
        ] {
            assert_eq!(parse(not_a_date), None, "{not_a_date}");
        }
    }

    #[test]
    fn shifted_by_the_time_between_capture_and_run() {
        // The run starts 100 s after the capture started; both took a few seconds.
        let shift = TimeShift {
            seconds: 100.0,
            tolerance: 10.0,
        };
        assert!(shift.shifted("2026-12-02 04:22:26", "2026-12-02 04:24:07"));
        assert!(!shift.shifted("2026-12-02 04:22:26", "2026-12-02 05:24:07"));
        assert!(!shift.shifted("2026-12-02 04:22:26", "2026-12-02 04:22:26x"));
        // A validity date 30 days on moves with the day.
        let a_day_later = TimeShift {
            seconds: 86_400.0,
            tolerance: 10.0,
        };
        assert!(a_day_later.shifted("2027-01-01", "2027-01-02"));
        assert!(!a_day_later.shifted("2027-01-01", "2027-01-05"));
    }
}
