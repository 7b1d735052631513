//! Inventory records and their capacity rules.

/// One resource class's inventory on a provider.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inventory {
    pub total: i64,
    pub reserved: i64,
    pub min_unit: i64,
    pub max_unit: i64,
    pub step_size: i64,
    pub allocation_ratio: f64,
}

/// Largest integer column value (upstream MAX_INT).
pub const MAX_INT: i64 = 2_147_483_647;

impl Inventory {
    /// An inventory with upstream's write defaults for everything but `total`.
    pub fn with_total(total: i64) -> Self {
        Inventory {
            total,
            reserved: 0,
            min_unit: 1,
            max_unit: MAX_INT,
            step_size: 1,
            allocation_ratio: 1.0,
        }
    }

    /// `(total − reserved) × allocation_ratio`, as a float (allocations compare against it untruncated).
    pub fn capacity(&self) -> f64 {
        (self.total - self.reserved) as f64 * self.allocation_ratio
    }

    /// The integer capacity upstream reports and validates on writes.
    pub fn capacity_int(&self) -> i64 {
        self.capacity() as i64
    }

    /// Whether `amount` more units fit with `used` already taken: min/max/step and capacity.
    pub fn fits(&self, used: i64, amount: i64) -> bool {
        amount >= self.min_unit
            && amount <= self.max_unit
            && self.step_size > 0
            && amount % self.step_size == 0
            && (used + amount) as f64 <= self.capacity()
    }

    /// Upstream's write validation: before 1.26 reserved must be below total
    /// (capacity > 0); from 1.26 reserved may equal total (capacity ≥ 0).
    pub fn capacity_error(&self, reserved_may_equal_total: bool) -> Option<&'static str> {
        let cap = self.capacity_int();
        if reserved_may_equal_total {
            (cap < 0).then_some("The reserved value is greater than total.")
        } else {
            (cap <= 0).then_some("The reserved value is greater than or equal to total.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_uses_ratio() {
        let inv = Inventory {
            reserved: 2,
            allocation_ratio: 1.5,
            ..Inventory::with_total(10)
        };
        assert_eq!(inv.capacity(), 12.0);
        assert!(inv.fits(10, 2));
        assert!(!inv.fits(11, 2));
    }

    #[test]
    fn unit_rules() {
        let inv = Inventory {
            min_unit: 2,
            max_unit: 8,
            step_size: 2,
            ..Inventory::with_total(100)
        };
        assert!(!inv.fits(0, 1));
        assert!(!inv.fits(0, 3));
        assert!(!inv.fits(0, 10));
        assert!(inv.fits(0, 8));
    }

    #[test]
    fn reserved_rules_by_version() {
        let full = Inventory {
            reserved: 10,
            ..Inventory::with_total(10)
        };
        assert!(full.capacity_error(false).is_some());
        assert!(full.capacity_error(true).is_none());
        let over = Inventory {
            reserved: 11,
            ..Inventory::with_total(10)
        };
        assert!(over.capacity_error(true).is_some());
    }
}
