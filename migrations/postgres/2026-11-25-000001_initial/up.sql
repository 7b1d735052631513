-- Upstream Placement's schema (alembic head a082b8bb98d0): same tables,
-- columns, unique constraints and indexes, so an existing database can be served.
CREATE TABLE resource_classes (
    id INTEGER PRIMARY KEY NOT NULL,
    name VARCHAR(255) NOT NULL,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    CONSTRAINT uniq_resource_classes0name UNIQUE (name)
);

CREATE TABLE resource_providers (
    id SERIAL PRIMARY KEY,
    uuid VARCHAR(36) NOT NULL,
    name VARCHAR(200),
    generation INTEGER,
    root_provider_id INTEGER REFERENCES resource_providers (id),
    parent_provider_id INTEGER REFERENCES resource_providers (id),
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    CONSTRAINT uniq_resource_providers0uuid UNIQUE (uuid),
    CONSTRAINT uniq_resource_providers0name UNIQUE (name)
);
CREATE INDEX resource_providers_root_provider_id_idx ON resource_providers (root_provider_id);
CREATE INDEX resource_providers_parent_provider_id_idx ON resource_providers (parent_provider_id);

CREATE TABLE inventories (
    id SERIAL PRIMARY KEY,
    resource_provider_id INTEGER NOT NULL,
    resource_class_id INTEGER NOT NULL,
    total INTEGER NOT NULL,
    reserved INTEGER NOT NULL,
    min_unit INTEGER NOT NULL,
    max_unit INTEGER NOT NULL,
    step_size INTEGER NOT NULL,
    allocation_ratio DOUBLE PRECISION NOT NULL,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    CONSTRAINT uniq_inventories0resource_provider_resource_class UNIQUE (resource_provider_id, resource_class_id)
);
CREATE INDEX inventories_resource_class_id_idx ON inventories (resource_class_id);

CREATE TABLE allocations (
    id SERIAL PRIMARY KEY,
    resource_provider_id INTEGER NOT NULL,
    consumer_id VARCHAR(36) NOT NULL,
    resource_class_id INTEGER NOT NULL,
    used INTEGER NOT NULL,
    created_at TIMESTAMP,
    updated_at TIMESTAMP
);
CREATE INDEX allocations_resource_provider_class_used_idx ON allocations (resource_provider_id, resource_class_id, used);
CREATE INDEX allocations_resource_class_id_idx ON allocations (resource_class_id);
CREATE INDEX allocations_consumer_id_idx ON allocations (consumer_id);

CREATE TABLE placement_aggregates (
    id SERIAL PRIMARY KEY,
    uuid VARCHAR(36),
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    CONSTRAINT uniq_placement_aggregates0uuid UNIQUE (uuid)
);

CREATE TABLE resource_provider_aggregates (
    resource_provider_id INTEGER NOT NULL,
    aggregate_id INTEGER NOT NULL,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    PRIMARY KEY (resource_provider_id, aggregate_id)
);
CREATE INDEX resource_provider_aggregates_aggregate_id_idx ON resource_provider_aggregates (aggregate_id);

CREATE TABLE traits (
    id SERIAL PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    CONSTRAINT uniq_traits0name UNIQUE (name)
);

CREATE TABLE resource_provider_traits (
    trait_id INTEGER NOT NULL REFERENCES traits (id),
    resource_provider_id INTEGER NOT NULL REFERENCES resource_providers (id),
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    PRIMARY KEY (trait_id, resource_provider_id)
);
CREATE INDEX resource_provider_traits_resource_provider_trait_idx ON resource_provider_traits (resource_provider_id, trait_id);

CREATE TABLE projects (
    id SERIAL PRIMARY KEY,
    external_id VARCHAR(255) NOT NULL,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    CONSTRAINT uniq_projects0external_id UNIQUE (external_id)
);

CREATE TABLE users (
    id SERIAL PRIMARY KEY,
    external_id VARCHAR(255) NOT NULL,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    CONSTRAINT uniq_users0external_id UNIQUE (external_id)
);

CREATE TABLE consumer_types (
    id SERIAL PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    CONSTRAINT uniq_consumer_types0name UNIQUE (name)
);

CREATE TABLE consumers (
    id SERIAL PRIMARY KEY,
    uuid VARCHAR(36) NOT NULL,
    project_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    generation INTEGER NOT NULL DEFAULT 0,
    consumer_type_id INTEGER REFERENCES consumer_types (id),
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    CONSTRAINT uniq_consumers0uuid UNIQUE (uuid)
);
CREATE INDEX consumers_project_id_uuid_idx ON consumers (project_id, uuid);
CREATE INDEX consumers_project_id_user_id_uuid_idx ON consumers (project_id, user_id, uuid);
CREATE INDEX consumers_consumer_type_id_idx ON consumers (consumer_type_id);
