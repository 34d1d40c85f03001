//! What each connection negotiated (PROTOCOL.md §2.5): frames of an optional
//! feature go only to connections whose `welcome.features` hold it. Which
//! feature a frame belongs to is the protocol's rule
//! (`ServerToVisitor::feature`, `ServerToOperator::feature`).

use super::PeerId;
use baton_protocol::FEATURES;
use std::collections::HashMap;

/// The features in use on one connection, one bit per entry of [`FEATURES`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Features(u16);

impl Features {
    /// The features of `names` that this server supports.
    pub fn of(names: &[String]) -> Features {
        let bits = FEATURES
            .iter()
            .enumerate()
            .filter(|(_, f)| names.iter().any(|n| n == *f))
            .fold(0, |bits, (i, _)| bits | (1 << i));
        Features(bits)
    }

    /// Whether a frame of `feature` (`None`: always sent) may go here.
    pub fn allow(self, feature: Option<&str>) -> bool {
        feature.is_none_or(|f| {
            FEATURES
                .iter()
                .position(|known| *known == f)
                .is_some_and(|i| self.0 & (1 << i) != 0)
        })
    }
}

/// Whether connection `peer` negotiated `feature` (`None`: a frame of no
/// feature goes everywhere).
pub(super) fn wants(features: &HashMap<PeerId, Features>, peer: PeerId, feature: Option<&str>) -> bool {
    feature.is_none() || features.get(&peer).is_some_and(|f| f.allow(feature))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_negotiated_features_are_allowed() {
        let f = Features::of(&["typing".into(), "nonsense".into()]);
        assert!(f.allow(None));
        assert!(f.allow(Some("typing")));
        assert!(!f.allow(Some("receipts")));
        assert!(!Features::default().allow(Some("typing")));
    }
}
