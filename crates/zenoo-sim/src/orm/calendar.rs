//! Dates as Odoo handles them, on `chrono`: the text Odoo writes
//! (`YYYY-MM-DD HH:MM:SS`, UTC), what `Date.to_date`/`Datetime.to_datetime`
//! accept, and the periods `read_group` groups dates by.

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime};

use crate::error::{OdooException, OdooResult};

/// English month names, as Odoo labels month groups without a `lang`.
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Current UTC time as Odoo writes it.
pub fn now_string() -> String {
    stamp(0)
}

/// The time `lag` seconds ago, as Odoo writes datetimes.
pub fn stamp(lag: i64) -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let secs = i64::try_from(secs).unwrap_or(0).saturating_sub(lag.max(0));
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// A date or datetime text as Odoo's `Date.to_date` / `Datetime.to_datetime`
/// read it: the first 10 (date) or 19 (datetime) characters, a date alone
/// being midnight; anything else is strptime's ValueError.
pub fn check_date(datetime: bool, s: &str) -> OdooResult<()> {
    let (format, length) = if datetime {
        ("%Y-%m-%d %H:%M:%S", 19)
    } else {
        ("%Y-%m-%d", 10)
    };
    let head = s.char_indices().nth(length).map_or(s, |(at, _)| &s[..at]);
    let ok = if datetime && head.len() == 10 {
        NaiveDate::parse_from_str(head, "%Y-%m-%d").is_ok()
    } else if datetime {
        NaiveDateTime::parse_from_str(head, format).is_ok()
    } else {
        NaiveDate::parse_from_str(head, format).is_ok()
    };
    if ok {
        return Ok(());
    }
    Err(OdooException::value_error(format!(
        "time data '{head}' does not match format '{format}'"
    )))
}

/// The day of a stored date or datetime (its first ten characters).
fn day_of(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.get(0..10)?, "%Y-%m-%d").ok()
}

/// A period's first day as the stored text of a date or datetime field.
pub fn period_bound(day: NaiveDate, datetime: bool) -> String {
    if datetime {
        format!("{} 00:00:00", day.format("%Y-%m-%d"))
    } else {
        day.format("%Y-%m-%d").to_string()
    }
}

/// The period of `granularity` (`day`, `week`, `month`, `quarter`, `year`)
/// that holds the date of `text`: its first day, the first day after it,
/// and Odoo's label for it (`05 Nov 2026`, `W45 2026`, `November 2026`,
/// `Q4 2026`, `2026`). `None` for a text that is no date.
pub fn period(text: &str, granularity: &str) -> Option<(NaiveDate, NaiveDate, String)> {
    let day = day_of(text)?;
    let (y, m) = (day.year(), day.month());
    let first_of = |month: u32| NaiveDate::from_ymd_opt(y, month, 1);
    Some(match granularity {
        "day" => (
            day,
            day.checked_add_days(Days::new(1))?,
            format!("{:02} {} {y}", day.day(), &MONTHS[m as usize - 1][..3]),
        ),
        "week" => {
            // en_US weeks start on Sunday; week 1 holds January 1st.
            let start =
                day.checked_sub_days(Days::new(u64::from(day.weekday().num_days_from_sunday())))?;
            let jan1 = NaiveDate::from_ymd_opt(y, 1, 1)?;
            let first_week =
                jan1.checked_sub_days(Days::new(u64::from(jan1.weekday().num_days_from_sunday())))?;
            let week = (start.max(first_week) - first_week).num_days() / 7 + 1;
            let label_year = if start < jan1 { y } else { start.year() };
            (
                start,
                start.checked_add_days(Days::new(7))?,
                format!("W{week} {label_year}"),
            )
        }
        "month" => {
            let start = first_of(m)?;
            (
                start,
                start.checked_add_months(Months::new(1))?,
                format!("{} {y}", MONTHS[m as usize - 1]),
            )
        }
        "quarter" => {
            let q = (m - 1) / 3;
            let start = first_of(q * 3 + 1)?;
            (
                start,
                start.checked_add_months(Months::new(3))?,
                format!("Q{} {y}", q + 1),
            )
        }
        _ => {
            let start = first_of(1)?;
            (
                start,
                start.checked_add_months(Months::new(12))?,
                format!("{y}"),
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_and_labels() {
        let p = |t: &str, g: &str| {
            period(t, g).map(|(a, b, l)| (period_bound(a, false), period_bound(b, false), l))
        };
        let s = |a: &str, b: &str, l: &str| Some((a.to_string(), b.to_string(), l.to_string()));
        assert_eq!(
            p("2026-11-05 10:00:00", "day"),
            s("2026-11-05", "2026-11-06", "05 Nov 2026")
        );
        assert_eq!(
            p("2026-12-31", "month"),
            s("2026-12-01", "2027-01-01", "December 2026")
        );
        assert_eq!(
            p("2026-11-05", "quarter"),
            s("2026-10-01", "2027-01-01", "Q4 2026")
        );
        assert_eq!(
            p("2024-02-29", "year"),
            s("2024-01-01", "2025-01-01", "2024")
        );
        // 2026-01-01 is a Thursday: its week starts on Sunday 2025-12-28.
        assert_eq!(
            p("2026-01-01", "week"),
            s("2025-12-28", "2026-01-04", "W1 2026")
        );
        assert_eq!(
            p("2026-01-04", "week"),
            s("2026-01-04", "2026-01-11", "W2 2026")
        );
        assert_eq!(p("2026-13-45", "month"), None);
        assert!(check_date(true, "2024-02-29").is_ok());
        assert!(check_date(true, "2024-02-30 10:00:00").is_err());
        assert_eq!(now_string().len(), 19);
    }
}
