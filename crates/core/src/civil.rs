//! Wall-clock dates and times of a campaign ("2022-08-20 19:50", "09:30"), and the campaign's
//! UTC offset that turns them into instants.
//!
//! The calendar is chrono's (`NaiveDate`: days since the epoch, weekdays, adding days). Parsing
//! and writing are our own few lines, strict to the forms the campaign files use: chrono's
//! `format`/`parse` machinery, like jiff's, would cost the download kilobytes for two fixed
//! patterns (jiff measured about a sixth of the app's wasm). `24:00` is the end of a day, which no
//! library time type holds. The service cross-checks each campaign's offset against the IANA
//! time-zone database (`time_zone`), and the tests here check the calendar against jiff.

use core::{fmt, str::FromStr};

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A day in the proleptic Gregorian calendar, years 1000 to 9999.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(NaiveDate);

/// A time of day to the minute. `24:00` is allowed: it is the end of the day, as notices say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time {
    hour: u8,
    minute: u8,
}

/// A date and a time of day on the campaign's wall clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    pub date: Date,
    pub time: Time,
}

/// A fixed offset from UTC in minutes, east positive (`+08:00` is 480).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UtcOffset(i16);

/// Milliseconds since the Unix epoch, UTC: the one way instants are held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Instant(pub i64);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CivilError {
    #[error("{0:?} is not a date of the form YYYY-MM-DD")]
    Date(String),
    #[error("{0:?} is not a time of the form HH:MM (00:00 to 24:00)")]
    Time(String),
    #[error("{0:?} is not a date and time of the form YYYY-MM-DDTHH:MM")]
    DateTime(String),
    #[error("{0:?} is not a UTC offset of the form +HH:MM")]
    Offset(String),
}

const MS_PER_MINUTE: i64 = 60_000;
const MS_PER_DAY: i64 = 86_400_000;

/// Days from 0001-01-01 (chrono's day 1 of the common era) to 1970-01-01.
const EPOCH_DAYS_FROM_CE: i64 = 719_163;

impl Date {
    /// A date, if it exists (years 1000 to 9999).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        Date::within_years(NaiveDate::from_ymd_opt(year, u32::from(month), u32::from(day))?)
    }

    /// Four-digit years only: what the campaign files write and `Display` reads back.
    fn within_years(date: NaiveDate) -> Option<Date> {
        (1000..=9999).contains(&date.year()).then_some(Date(date))
    }

    pub fn year(self) -> i32 {
        self.0.year()
    }
    pub fn month(self) -> u8 {
        self.0.month() as u8
    }
    pub fn day(self) -> u8 {
        self.0.day() as u8
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(self) -> i64 {
        i64::from(self.0.num_days_from_ce()) - EPOCH_DAYS_FROM_CE
    }

    /// The date `days` days after 1970-01-01, if in range.
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        let from_ce = i32::try_from(days.checked_add(EPOCH_DAYS_FROM_CE)?).ok()?;
        Date::within_years(NaiveDate::from_num_days_from_ce_opt(from_ce)?)
    }

    /// The date `days` later (earlier if negative).
    pub fn add_days(self, days: i64) -> Option<Date> {
        let moved = if days >= 0 {
            self.0.checked_add_days(Days::new(days.unsigned_abs()))
        } else {
            self.0.checked_sub_days(Days::new(days.unsigned_abs()))
        };
        Date::within_years(moved?)
    }

    /// Day of the week, Monday = 1 … Sunday = 7 (ISO 8601).
    pub fn iso_weekday(self) -> u8 {
        self.0.weekday().number_from_monday() as u8
    }

    pub fn at(self, time: Time) -> DateTime {
        DateTime { date: self, time }
    }
}

impl Time {
    pub const MIDNIGHT: Time = Time { hour: 0, minute: 0 };
    /// `24:00`: the end of the day.
    pub const END_OF_DAY: Time = Time { hour: 24, minute: 0 };

    pub fn new(hour: u8, minute: u8) -> Option<Time> {
        let valid = (hour < 24 && minute < 60) || (hour == 24 && minute == 0);
        valid.then_some(Time { hour, minute })
    }
    pub fn hour(self) -> u8 {
        self.hour
    }
    pub fn minute(self) -> u8 {
        self.minute
    }
    fn minutes(self) -> i64 {
        i64::from(self.hour) * 60 + i64::from(self.minute)
    }
}

impl DateTime {
    /// The instant this wall-clock time names at `offset`.
    pub fn to_instant(self, offset: UtcOffset) -> Instant {
        let minutes = self.date.days_since_epoch() * 1440 + self.time.minutes() - i64::from(offset.0);
        Instant(minutes * MS_PER_MINUTE)
    }
}

impl UtcOffset {
    pub fn from_minutes(minutes: i16) -> Option<UtcOffset> {
        (-18 * 60..=18 * 60).contains(&minutes).then_some(UtcOffset(minutes))
    }
    pub fn minutes(self) -> i16 {
        self.0
    }
}

impl Instant {
    /// The wall-clock date and time of this instant at `offset`, to the minute (seconds dropped).
    pub fn to_civil(self, offset: UtcOffset) -> Option<DateTime> {
        let local_ms = self.0.checked_add(i64::from(offset.0) * MS_PER_MINUTE)?;
        let date = Date::from_days_since_epoch(local_ms.div_euclid(MS_PER_DAY))?;
        let minute_of_day = local_ms.rem_euclid(MS_PER_DAY) / MS_PER_MINUTE;
        let time = Time::new((minute_of_day / 60) as u8, (minute_of_day % 60) as u8)?;
        Some(date.at(time))
    }

    /// The seconds past the minute, the same on every wall clock (offsets are whole minutes).
    pub fn second(self) -> u8 {
        (self.0.rem_euclid(MS_PER_MINUTE) / 1_000) as u8
    }
}

fn digits<const N: usize>(text: &str) -> Option<u32> {
    (text.len() == N && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok()).flatten()
}

impl FromStr for Date {
    type Err = CivilError;
    fn from_str(text: &str) -> Result<Date, CivilError> {
        let error = || CivilError::Date(text.to_owned());
        let mut parts = text.split('-');
        let (Some(y), Some(m), Some(d), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(error());
        };
        let (y, m, d) = (digits::<4>(y).ok_or_else(error)?, digits::<2>(m).ok_or_else(error)?, digits::<2>(d).ok_or_else(error)?);
        Date::new(y as i32, m as u8, d as u8).ok_or_else(error)
    }
}

impl FromStr for Time {
    type Err = CivilError;
    /// `HH:MM`, or `HH:MM:00` (seconds are accepted only when zero: rules are to the minute).
    fn from_str(text: &str) -> Result<Time, CivilError> {
        let error = || CivilError::Time(text.to_owned());
        let hm = text.strip_suffix(":00").filter(|hm| hm.len() == 5).unwrap_or(text);
        let (h, m) = hm.split_once(':').ok_or_else(error)?;
        let (h, m) = (digits::<2>(h).ok_or_else(error)?, digits::<2>(m).ok_or_else(error)?);
        Time::new(h as u8, m as u8).ok_or_else(error)
    }
}

impl FromStr for DateTime {
    type Err = CivilError;
    fn from_str(text: &str) -> Result<DateTime, CivilError> {
        let error = |_| CivilError::DateTime(text.to_owned());
        let (date, time) = text.split_once(['T', ' ']).ok_or_else(|| CivilError::DateTime(text.to_owned()))?;
        Ok(DateTime { date: date.parse().map_err(error)?, time: time.parse().map_err(error)? })
    }
}

impl FromStr for UtcOffset {
    type Err = CivilError;
    fn from_str(text: &str) -> Result<UtcOffset, CivilError> {
        let error = || CivilError::Offset(text.to_owned());
        let (sign, rest) = match text.as_bytes().first() {
            Some(b'+') => (1, &text[1..]),
            Some(b'-') => (-1, &text[1..]),
            _ => return Err(error()),
        };
        let (h, m) = rest.split_once(':').ok_or_else(error)?;
        let (h, m) = (digits::<2>(h).ok_or_else(error)?, digits::<2>(m).ok_or_else(error)?);
        if m >= 60 {
            return Err(error());
        }
        UtcOffset::from_minutes(sign * (h as i16 * 60 + m as i16)).ok_or_else(error)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year(), self.month(), self.day())
    }
}
impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}
impl fmt::Display for DateTime {
    /// `2022-08-20 19:50`: how the wall-clock time is shown to residents.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.date, self.time)
    }
}
impl fmt::Display for UtcOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { '-' } else { '+' };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{:02}:{:02}", abs / 60, abs % 60)
    }
}

/// Serialised as text (`2022-08-20T19:50`, `09:30`, `+08:00`), as the campaign files write them.
macro_rules! serde_as_text {
    ($type:ty, $format:expr) => {
        impl Serialize for $type {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(&format_args!($format, self))
            }
        }
        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
serde_as_text!(Date, "{}");
serde_as_text!(Time, "{}");
serde_as_text!(UtcOffset, "{}");

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{}T{}", self.date, self.time))
    }
}
impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// OpenAPI schemas: each civil type is a string in a fixed pattern, an instant an integer.
#[cfg(feature = "openapi")]
mod openapi {
    use utoipa::openapi::{
        RefOr, Type,
        schema::{ObjectBuilder, Schema},
    };

    fn text(description: &str, pattern: &str, example: &str) -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::String).description(Some(description)).pattern(Some(pattern)).examples([example]).into()
    }

    macro_rules! schema {
        ($type:ty, $schema:expr) => {
            impl utoipa::PartialSchema for $type {
                fn schema() -> RefOr<Schema> {
                    $schema
                }
            }
            impl utoipa::ToSchema for $type {}
        };
    }
    schema!(super::Date, text("A day on the campaign's calendar.", r"^\d{4}-\d{2}-\d{2}$", "2022-08-20"));
    schema!(super::Time, text("A time of day on the campaign's clock; 24:00 is the end of the day.", r"^\d{2}:\d{2}$", "09:30"));
    schema!(
        super::DateTime,
        text(
            "A date and time on the campaign's clock, in its own time zone.",
            r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:00)?$",
            "2022-08-20T19:50"
        )
    );
    schema!(super::UtcOffset, text("The campaign's offset from UTC.", r"^[+-]\d{2}:\d{2}$", "+08:00"));
    schema!(
        super::Instant,
        ObjectBuilder::new().schema_type(Type::Integer).description(Some("Milliseconds since the Unix epoch, UTC.")).into()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        text.parse().expect("a valid date")
    }

    #[test]
    fn reads_and_writes_the_forms_notices_use() {
        let dt: DateTime = "2022-08-20T19:50:00".parse().expect("valid");
        assert_eq!(dt.to_string(), "2022-08-20 19:50");
        assert_eq!(serde_json::to_string(&dt).expect("json"), r#""2022-08-20T19:50""#);
        assert_eq!("24:00".parse::<Time>(), Ok(Time::END_OF_DAY));
        assert_eq!("+08:00".parse::<UtcOffset>().map(UtcOffset::minutes), Ok(480));
        assert_eq!("-03:30".parse::<UtcOffset>().map(|o| o.to_string()), Ok("-03:30".to_owned()));
    }

    #[test]
    fn refuses_what_is_not_a_real_date_or_time() {
        for bad in ["2023-02-29", "2022-13-01", "2022-00-10", "2022-1-01", "22-01-01", "2022-01-01-01", ""] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
        for bad in ["24:01", "25:00", "09:60", "9:30", "09:30:15", "0930", "+08:00"] {
            assert!(bad.parse::<Time>().is_err(), "{bad}");
        }
        for bad in ["08:00", "+8:00", "+19:00", "+08:60", "+08"] {
            assert!(bad.parse::<UtcOffset>().is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<DateTime>(r#""2022-08-20""#).is_err());
    }

    #[test]
    fn leap_days_and_month_ends() {
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert_eq!(date("2024-01-31").add_days(1), Some(date("2024-02-01")));
        assert_eq!(date("2023-12-31").add_days(1), Some(date("2024-01-01")));
        assert_eq!(date("2024-03-01").add_days(-1), Some(date("2024-02-29")));
    }

    #[test]
    fn weekdays() {
        assert_eq!(date("1970-01-01").iso_weekday(), 4);
        assert_eq!(date("2022-06-16").iso_weekday(), 4, "Shenyang's periods end on Thursdays");
        assert_eq!(date("2024-01-27").iso_weekday(), 6);
    }

    #[test]
    fn end_of_day_is_the_next_midnight() {
        let offset = UtcOffset::from_minutes(480).expect("in range");
        let end = date("2024-02-01").at(Time::END_OF_DAY).to_instant(offset);
        let next = date("2024-02-02").at(Time::MIDNIGHT).to_instant(offset);
        assert_eq!(end, next);
    }

    #[test]
    fn instants_round_trip_through_the_wall_clock() {
        let beijing = UtcOffset::from_minutes(480).expect("in range");
        // 2022-08-20 19:50 in Tianjin is 11:50 UTC.
        let release = date("2022-08-20").at(Time::new(19, 50).expect("valid")).to_instant(beijing);
        assert_eq!(release, Instant(1_660_996_200_000));
        assert_eq!(release.to_civil(beijing).map(|dt| dt.to_string()).as_deref(), Some("2022-08-20 19:50"));
        // The same instant on a phone set to UTC-5 is still shown as Tianjin's 19:50.
        assert_eq!(Instant(release.0 - 1).to_civil(beijing).map(|dt| dt.to_string()).as_deref(), Some("2022-08-20 19:49"));
    }

    /// The calendar arithmetic agrees with jiff's for every day from 1600 to 2400.
    #[test]
    fn agrees_with_jiff_day_by_day() {
        let mut jiff_day = jiff::civil::date(1600, 1, 1);
        let mut ours = Date::new(1600, 1, 1).expect("valid");
        let epoch = jiff::civil::date(1970, 1, 1);
        while jiff_day.year() < 2400 {
            let expected_days = i64::from((jiff_day - epoch).get_days());
            assert_eq!(ours.days_since_epoch(), expected_days, "{jiff_day}");
            assert_eq!(ours.iso_weekday() as i8, jiff_day.weekday().to_monday_one_offset(), "{jiff_day}");
            assert_eq!((ours.year(), ours.month(), ours.day()), (i32::from(jiff_day.year()), jiff_day.month() as u8, jiff_day.day() as u8));
            jiff_day = jiff_day.tomorrow().expect("in range");
            ours = ours.add_days(1).expect("in range");
        }
    }
}
