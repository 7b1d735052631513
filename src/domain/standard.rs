//! Standard resource classes (os-resource-classes 1.1.0) and traits
//! (os-traits 3.9.0), shipped as data files generated from those packages.

const CLASSES: &str = include_str!("../../data/resource_classes.txt");
const TRAITS: &str = include_str!("../../data/traits.txt");

fn lines(data: &'static str) -> impl Iterator<Item = &'static str> {
    data.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Standard resource classes in id order: the id of a class is its index.
pub fn resource_classes() -> Vec<&'static str> {
    lines(CLASSES).collect()
}

/// Standard trait names.
pub fn traits() -> Vec<&'static str> {
    lines(TRAITS).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_have_upstream_sizes() {
        let classes = super::resource_classes();
        assert_eq!(classes.len(), 21);
        assert_eq!(classes[0], "VCPU");
        assert_eq!(classes[20], "NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC");
        let traits = super::traits();
        assert_eq!(traits.len(), 377);
        assert!(traits.contains(&"MISC_SHARES_VIA_AGGREGATE"));
    }
}
