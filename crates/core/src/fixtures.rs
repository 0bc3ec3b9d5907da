//! The campaign files of `data/campaigns`, for the unit tests.

pub const TIANJIN: &str = include_str!("../../../data/campaigns/tianjin-2022-jinlegou.json");
pub const SHENYANG: &str = include_str!("../../../data/campaigns/shenyang-2022-xiaoxia.json");
pub const LIAOCHENG: &str = include_str!("../../../data/campaigns/liaocheng-2024-spring-appliances.json");
pub const JINCHENG: &str = include_str!("../../../data/campaigns/jincheng-2020-alipay.json");

use crate::{
    Campaign,
    civil::{DateTime, Instant, UtcOffset},
};

pub fn load(json: &str) -> Campaign {
    Campaign::from_json(json).expect("a valid campaign file")
}

/// A wall-clock time in China (+08:00), as the notices write them.
pub fn at(text: &str) -> Instant {
    text.parse::<DateTime>().expect("a date and time").to_instant(UtcOffset::from_minutes(480).expect("in range"))
}
