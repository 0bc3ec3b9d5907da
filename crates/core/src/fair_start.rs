//! A fair start (公平起跑). At the release minute the fastest phone, the nearest network and the
//! bot win a first-come race. A theme may open each release with a short window
//! (`Rules::fair_start_s`): claims arriving inside it are not decided in arrival order but held,
//! and when it closes they are decided in a random order, one chance per resident however many
//! requests they sent; claims after it are first come, first served. Each claim is still decided
//! by the same rules on the same stock (`Campaign::decide_claim`): only the order changes, and
//! the limits hold in every order (`interleavings`).

use std::collections::HashMap;

use crate::{Campaign, Theme, civil::Instant};

/// The longest window a campaign may set: residents wait for the draw's result that long.
pub const FAIR_START_MAX_S: u32 = 10;

pub(crate) fn is_off(seconds: &u32) -> bool {
    *seconds == 0
}

impl Campaign {
    /// Whether any theme holds a fair start.
    pub fn has_fair_start(&self) -> bool {
        self.themes.iter().any(|theme| theme.rules.fair_start_s > 0)
    }

    /// When the draw of the release open at `now` takes place, if `now` is inside its window.
    pub fn draw_at(&self, theme: &Theme, now: Instant) -> Option<Instant> {
        let seconds = theme.rules.fair_start_s;
        if seconds == 0 {
            return None;
        }
        let release = self.open_release(theme, now)?;
        let at = Instant(release.opens.0.saturating_add(i64::from(seconds) * 1_000)).min(release.closes);
        (now < at).then_some(at)
    }
}

/// The order in which a draw's claims are decided, as indices into `claimants` (who sent each
/// claim, in arrival order): every claimant's first claim, the claimants in a uniformly random
/// order, then the repeats. A resident who sent ten requests has the same chance as one who sent
/// one; their repeats come last, where they meet the claim limit or an empty stock.
/// `pick(n)` must return a uniformly random number below `n`.
pub fn draw_order<K: Eq + std::hash::Hash>(claimants: &[K], mut pick: impl FnMut(usize) -> usize) -> Vec<usize> {
    let mut first_of: HashMap<&K, usize> = HashMap::with_capacity(claimants.len());
    let mut firsts = Vec::with_capacity(claimants.len());
    let mut repeats = Vec::new();
    for (index, claimant) in claimants.iter().enumerate() {
        if first_of.insert(claimant, index).is_none() {
            firsts.push(index);
        } else {
            repeats.push(index);
        }
    }
    // Fisher–Yates: every order of the claimants equally likely.
    for last in (1..firsts.len()).rev() {
        let other = pick(last + 1).min(last);
        firsts.swap(last, other);
    }
    firsts.extend(repeats);
    firsts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use proptest::prelude::*;

    /// SplitMix64: a small deterministic generator, so the statistics below are reproducible.
    struct SplitMix(u64);

    impl SplitMix {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            // Rejection keeps it uniform for any n.
            let n = n as u64;
            let zone = u64::MAX - u64::MAX % n;
            if z >= zone { self.below(n as usize) } else { (z % n) as usize }
        }
    }

    proptest! {
        #[test]
        fn a_draw_decides_every_claim_once_and_each_claimants_first_before_any_repeat(
            claimants in proptest::collection::vec(0u8..12, 0..60),
            seed in any::<u64>(),
        ) {
            let mut random = SplitMix(seed);
            let order = draw_order(&claimants, |n| random.below(n));
            let mut sorted = order.clone();
            sorted.sort_unstable();
            prop_assert_eq!(sorted, (0..claimants.len()).collect::<Vec<_>>());
            let distinct = claimants.iter().collect::<std::collections::HashSet<_>>().len();
            let firsts: std::collections::HashSet<_> = order[..distinct].iter().map(|&index| claimants[index]).collect();
            prop_assert_eq!(firsts.len(), distinct, "one first claim per claimant, all before the repeats");
        }
    }

    #[test]
    fn every_claimant_in_the_window_has_the_same_chance_however_many_requests_they_send() {
        // Five claimants, one voucher: the bot (claimant 0) sends 20 requests, the others one.
        let mut claimants = vec![0u32; 20];
        claimants.extend([1, 2, 3, 4]);
        let mut random = SplitMix(2026);
        let draws = 50_000;
        let mut wins = [0u32; 5];
        for _ in 0..draws {
            let order = draw_order(&claimants, |n| random.below(n));
            wins[claimants[order[0]] as usize] += 1;
        }
        // Each wins a fifth of the draws: 10,000, with a standard deviation of about 89.
        for (claimant, won) in wins.iter().enumerate() {
            assert!((9_550..=10_450).contains(won), "claimant {claimant} won {won} of {draws}: {wins:?}");
        }
    }

    #[test]
    fn each_position_is_equally_likely_for_each_claimant() {
        // Stock of 2 among 4 claimants: each is among the first two half of the time.
        let claimants = [10u32, 20, 30, 40];
        let mut random = SplitMix(7);
        let mut served = [0u32; 4];
        for _ in 0..40_000 {
            for &index in &draw_order(&claimants, |n| random.below(n))[..2] {
                served[index] += 1;
            }
        }
        for (claimant, count) in served.iter().enumerate() {
            assert!((19_500..=20_500).contains(count), "claimant {claimant} served {count} times in 40,000: {served:?}");
        }
    }

    #[test]
    fn the_window_is_the_first_seconds_of_each_release_and_only_where_a_theme_asks() {
        let mut campaign = fixtures::load(fixtures::TIANJIN);
        let release = campaign.releases(&campaign.themes[0])[1];
        assert_eq!(campaign.draw_at(&campaign.themes[0], release.opens), None, "off unless asked");
        campaign.themes[0].rules.fair_start_s = 3;
        let theme = &campaign.themes[0];
        let draw = Instant(release.opens.0 + 3_000);
        assert_eq!(campaign.draw_at(theme, release.opens), Some(draw));
        assert_eq!(campaign.draw_at(theme, Instant(draw.0 - 1)), Some(draw));
        assert_eq!(campaign.draw_at(theme, draw), None, "from the third second on: first come, first served");
        assert_eq!(campaign.draw_at(theme, Instant(release.opens.0 - 1)), None, "before the release nothing is held");
        campaign.themes[0].rules.fair_start_s = FAIR_START_MAX_S + 1;
        assert!(campaign.validate().is_err(), "a longer window is refused");
    }
}
