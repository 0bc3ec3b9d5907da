//! Unclaimed budget rolling into the next round (Liaocheng, Jincheng).

use serde::{Deserialize, Serialize};

use crate::Fen;

/// What a round leaves behind for the next.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leftover {
    /// Units (vouchers or packs) never claimed.
    pub unclaimed_units: u32,
    /// The value of vouchers claimed but expired unused ("未使用的电子消费券资金额加入至随后发放的轮次中").
    pub expired_unused: Fen,
    /// Money carried before that did not make a whole unit.
    pub remainder: Fen,
}

/// The stock of the next round's release, and the money that stays carried because it does not
/// make a whole unit. `fresh` is the round's own stock (0 for a leftover-only round).
pub fn rolled_over_stock(fresh: u32, unit_value: Fen, leftover: Leftover) -> (u32, Fen) {
    if unit_value <= Fen::ZERO {
        return (fresh, leftover.remainder);
    }
    let carried = i64::from(leftover.unclaimed_units)
        .saturating_mul(unit_value.0)
        .saturating_add(leftover.expired_unused.0.max(0))
        .saturating_add(leftover.remainder.0.max(0));
    let units = u32::try_from(carried / unit_value.0).unwrap_or(u32::MAX);
    (fresh.saturating_add(units), Fen(carried % unit_value.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn liaocheng_round_two_gets_round_ones_unclaimed_and_expired_vouchers() {
        // 1,600 满2000减300 vouchers; 1,500 claimed, 20 of those expired unused: 120 go on.
        let leftover = Leftover { unclaimed_units: 100, expired_unused: Fen::from_yuan(20 * 300), remainder: Fen::ZERO };
        assert_eq!(rolled_over_stock(0, Fen::from_yuan(300), leftover), (120, Fen::ZERO));
    }

    #[test]
    fn jincheng_money_that_makes_no_whole_pack_stays_carried() {
        // Packs of 50 yuan; 3 unused 10-yuan vouchers (30 yuan) make no pack: carried on.
        let leftover = Leftover { unclaimed_units: 2, expired_unused: Fen::from_yuan(30), remainder: Fen::from_yuan(40) };
        assert_eq!(rolled_over_stock(60_000, Fen::from_yuan(50), leftover), (60_003, Fen::from_yuan(20)));
    }

    #[test]
    fn nothing_left_means_only_the_fresh_stock() {
        assert_eq!(rolled_over_stock(7, Fen::from_yuan(50), Leftover::default()), (7, Fen::ZERO));
    }
}
