//! Seeding a database for benches: rows written with diesel in one
//! transaction (through the API every write is its own durable commit,
//! minutes for 10,000 providers), then the engine loads them as at start.
// Each bench compiles this module and uses only part of it.
#![allow(dead_code)]

use std::collections::HashMap;

use diesel::prelude::*;
use placement_rs::engine::{EngineConfig, prepare_database};
use placement_rs::store::AnyConnection;
use placement_rs::store::schema::{
    allocations, inventories, placement_aggregates, resource_classes, resource_provider_aggregates,
    resource_provider_traits, resource_providers, traits,
};

pub fn provider_uuid(i: u64) -> String {
    format!("00000000-0000-4000-8000-{i:012x}")
}

pub fn aggregate_uuid(k: u64) -> String {
    format!("aaaaaaaa-0000-4000-8000-{k:012x}")
}

/// One inventory record and what is allocated from it.
#[derive(Clone, Copy)]
pub struct Inv {
    pub class: &'static str,
    pub total: i32,
    pub reserved: i32,
    pub min: i32,
    pub max: i32,
    pub step: i32,
    pub ratio: f64,
    pub used: i32,
}

impl Inv {
    pub fn plain(class: &'static str, total: i32) -> Inv {
        Inv {
            class,
            total,
            reserved: 0,
            min: 1,
            max: total,
            step: 1,
            ratio: 1.0,
            used: 0,
        }
    }
}

/// A seeded SQLite database; the directory lives as long as the fixture.
pub struct Fixture {
    _dir: tempfile::TempDir,
    pub config: EngineConfig,
}

/// Creates a migrated database and runs `fill` in one transaction.
pub fn seed(fill: impl FnOnce(&mut Seeder<'_>) -> QueryResult<()>) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("placement.sqlite").display());
    let config = EngineConfig::new(url);
    let pool = prepare_database(&config).expect("migrate");
    let mut conn = pool.get().expect("connection");
    conn.transaction(|c| {
        let mut s = Seeder {
            conn: c,
            at: Some(chrono::Utc::now().naive_utc()),
            ids: HashMap::new(),
            aggregates: HashMap::new(),
            consumers: 0,
        };
        fill(&mut s)
    })
    .expect("seed");
    Fixture { _dir: dir, config }
}

pub struct Seeder<'c> {
    conn: &'c mut AnyConnection,
    at: Option<chrono::NaiveDateTime>,
    ids: HashMap<String, i32>,
    aggregates: HashMap<u64, i32>,
    consumers: u64,
}

impl Seeder<'_> {
    fn class_id(&mut self, name: &str) -> QueryResult<i32> {
        if let Some(id) = self.ids.get(name) {
            return Ok(*id);
        }
        let id = resource_classes::table
            .filter(resource_classes::name.eq(name))
            .select(resource_classes::id)
            .first(self.conn)?;
        self.ids.insert(name.to_string(), id);
        Ok(id)
    }

    fn trait_id(&mut self, name: &str) -> QueryResult<i32> {
        let key = format!("trait:{name}");
        if let Some(id) = self.ids.get(&key) {
            return Ok(*id);
        }
        let found: Option<i32> = traits::table
            .filter(traits::name.eq(name))
            .select(traits::id)
            .first(self.conn)
            .optional()?;
        // Custom traits exist only once created.
        let id = match found {
            Some(id) => id,
            None => diesel::insert_into(traits::table)
                .values((traits::name.eq(name), traits::created_at.eq(self.at)))
                .returning(traits::id)
                .get_result(self.conn)?,
        };
        self.ids.insert(key, id);
        Ok(id)
    }

    /// Adds provider `i` (id = i) under `parent`, in the tree of `root`.
    pub fn provider(&mut self, i: u64, parent: Option<u64>, root: u64) -> QueryResult<()> {
        diesel::insert_into(resource_providers::table)
            .values((
                resource_providers::id.eq(i as i32),
                resource_providers::uuid.eq(provider_uuid(i)),
                resource_providers::name.eq(format!("rp-{i}")),
                resource_providers::generation.eq(1),
                resource_providers::parent_provider_id.eq(parent.map(|p| p as i32)),
                resource_providers::root_provider_id.eq(root as i32),
                resource_providers::created_at.eq(self.at),
                resource_providers::updated_at.eq(self.at),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// An inventory of provider `i`, and one allocation for its usage.
    pub fn inventory(&mut self, i: u64, inv: Inv) -> QueryResult<()> {
        let class = self.class_id(inv.class)?;
        diesel::insert_into(inventories::table)
            .values((
                inventories::resource_provider_id.eq(i as i32),
                inventories::resource_class_id.eq(class),
                inventories::total.eq(inv.total),
                inventories::reserved.eq(inv.reserved),
                inventories::min_unit.eq(inv.min),
                inventories::max_unit.eq(inv.max),
                inventories::step_size.eq(inv.step),
                inventories::allocation_ratio.eq(inv.ratio),
                inventories::created_at.eq(self.at),
            ))
            .execute(self.conn)?;
        if inv.used > 0 {
            self.consumers += 1;
            diesel::insert_into(allocations::table)
                .values((
                    allocations::resource_provider_id.eq(i as i32),
                    allocations::consumer_id.eq(provider_uuid(1 << 40 | self.consumers)),
                    allocations::resource_class_id.eq(class),
                    allocations::used.eq(inv.used),
                    allocations::created_at.eq(self.at),
                ))
                .execute(self.conn)?;
        }
        Ok(())
    }

    pub fn add_trait(&mut self, i: u64, name: &str) -> QueryResult<()> {
        let t = self.trait_id(name)?;
        diesel::insert_into(resource_provider_traits::table)
            .values((
                resource_provider_traits::resource_provider_id.eq(i as i32),
                resource_provider_traits::trait_id.eq(t),
                resource_provider_traits::created_at.eq(self.at),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// Puts provider `i` in aggregate `k` (see `aggregate_uuid`).
    pub fn add_aggregate(&mut self, i: u64, k: u64) -> QueryResult<()> {
        let agg = match self.aggregates.get(&k) {
            Some(id) => *id,
            None => {
                let id = self.aggregates.len() as i32 + 1;
                diesel::insert_into(placement_aggregates::table)
                    .values((
                        placement_aggregates::id.eq(id),
                        placement_aggregates::uuid.eq(aggregate_uuid(k)),
                        placement_aggregates::created_at.eq(self.at),
                    ))
                    .execute(self.conn)?;
                self.aggregates.insert(k, id);
                id
            }
        };
        diesel::insert_into(resource_provider_aggregates::table)
            .values((
                resource_provider_aggregates::resource_provider_id.eq(i as i32),
                resource_provider_aggregates::aggregate_id.eq(agg),
                resource_provider_aggregates::created_at.eq(self.at),
            ))
            .execute(self.conn)?;
        Ok(())
    }
}

/// Aggregates the flat hosts are spread over.
pub const AGGREGATES: u64 = 10;

/// One provider's generated shape; deterministic in its index.
pub struct Shape {
    pub aggregates: Vec<u64>,
    pub avx2: bool,
    pub inventories: [Inv; 3],
}

impl Shape {
    pub fn of(i: u64) -> Shape {
        // A fixed mix of the index, so the traits don't line up with aggregates.
        let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29) ^ i;
        let bits = |shift: u32, modulo: u64| (h >> shift) % modulo;
        let first = bits(0, AGGREGATES);
        let mut aggregates = vec![first];
        if bits(8, 8) == 0 {
            aggregates.push((first + 1) % AGGREGATES);
        }
        let vcpus = 16 * (1 + bits(12, 4) as i32);
        // One in five hosts is full on VCPU.
        let vcpu_used = if bits(16, 5) == 0 {
            vcpus * 4
        } else {
            bits(20, vcpus as u64) as i32
        };
        let memory = 65_536 * (1 + bits(24, 4) as i32);
        // One in six hosts has too little disk for the query.
        let disk = if bits(28, 6) == 0 {
            8
        } else {
            500 + 100 * bits(32, 16) as i32
        };
        Shape {
            aggregates,
            avx2: bits(40, 2) == 0,
            inventories: [
                Inv {
                    class: "VCPU",
                    total: vcpus,
                    reserved: 0,
                    min: 1,
                    max: vcpus,
                    step: 1,
                    ratio: 4.0,
                    used: vcpu_used,
                },
                Inv {
                    class: "MEMORY_MB",
                    total: memory,
                    reserved: 512,
                    min: 256,
                    max: memory,
                    step: 256,
                    ratio: 1.0,
                    used: 256 * bits(44, 64) as i32,
                },
                Inv {
                    class: "DISK_GB",
                    total: disk,
                    reserved: 0,
                    min: 1,
                    max: disk,
                    step: 1,
                    ratio: 1.0,
                    used: bits(48, 4) as i32,
                },
            ],
        }
    }

    /// Whether the benchmarked query should return this provider (computed
    /// here independently of the engine's filter).
    pub fn matches(&self, agg: u64) -> bool {
        let wanted = [("VCPU", 1), ("DISK_GB", 10), ("MEMORY_MB", 256)];
        self.avx2
            && self.aggregates.contains(&agg)
            && wanted.iter().all(|(class, amount)| {
                let inv = self
                    .inventories
                    .iter()
                    .find(|inv| inv.class == *class)
                    .expect("class");
                *amount >= inv.min
                    && *amount <= inv.max
                    && amount % inv.step == 0
                    && f64::from(inv.used + amount)
                        <= f64::from(inv.total - inv.reserved) * inv.ratio
            })
    }
}

/// `n` flat compute hosts shaped by `Shape::of` (ids 1..=n).
pub fn seed_hosts(n: u64) -> Fixture {
    seed(|s| {
        for i in 1..=n {
            let shape = Shape::of(i);
            s.provider(i, None, i)?;
            for inv in shape.inventories {
                s.inventory(i, inv)?;
            }
            for k in &shape.aggregates {
                s.add_aggregate(i, *k)?;
            }
            if shape.avx2 {
                s.add_trait(i, "HW_CPU_X86_AVX2")?;
            }
        }
        Ok(())
    })
}
