//! Validation of resource class and trait names (upstream's regexes, as code).

/// Maximum length of a resource class or trait name.
pub const MAX_NAME_LEN: usize = 255;

/// `^[A-Z0-9_]+$`: the shape of any resource class name in bodies.
pub fn is_class_shaped(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// `^CUSTOM_[A-Z0-9_]+$`: a custom resource class or trait name (length not checked).
pub fn is_custom_shaped(name: &str) -> bool {
    name.strip_prefix("CUSTOM_").is_some_and(is_class_shaped)
}

/// Custom resource class and trait ids start here; lower ids are standard.
pub const FIRST_CUSTOM_CLASS_ID: i32 = 10000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(is_class_shaped("VCPU"));
        assert!(!is_class_shaped("vcpu"));
        assert!(!is_class_shaped(""));
        assert!(is_custom_shaped("CUSTOM_FOO_1"));
        assert!(!is_custom_shaped("CUSTOM_"));
        assert!(!is_custom_shaped("CUSTOM_Illegal&@!Name?"));
        assert!(!is_custom_shaped("IRON_NFV"));
    }
}
