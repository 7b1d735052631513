//! Per-request costs of the pure layers: microversion negotiation and the
//! upstream-compatible JSON Schema check of an inventory body.

use criterion::{Criterion, criterion_group, criterion_main};
use placement_rs::domain::jsonschema::{UuidFormat, validate};
use placement_rs::domain::microversion::negotiate;
use serde_json::json;
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    c.bench_function("negotiate microversion", |b| {
        b.iter(|| negotiate(black_box(Some("compute 2.1, placement 1.39"))))
    });
    let int = json!({"type": "integer", "minimum": 0, "maximum": 2147483647});
    let schema = json!({
        "type": "object",
        "properties": {
            "resource_provider_generation": {"type": "integer"},
            "inventories": {"type": "object", "patternProperties": {"^[A-Z0-9_]+$": {
                "type": "object",
                "properties": {"total": int, "reserved": int, "allocation_ratio": {"type": "number"}},
                "required": ["total"],
                "additionalProperties": false,
            }}},
        },
        "required": ["resource_provider_generation", "inventories"],
        "additionalProperties": false,
    });
    let body = json!({"resource_provider_generation": 3, "inventories": {
        "VCPU": {"total": 64, "allocation_ratio": 16.0},
        "MEMORY_MB": {"total": 262144, "reserved": 512},
        "DISK_GB": {"total": 2048},
    }});
    c.bench_function("validate inventory body", |b| {
        b.iter(|| validate(black_box(&body), &schema, UuidFormat::Lenient))
    });
}

criterion_group!(request_parsing, benches);
criterion_main!(request_parsing);
