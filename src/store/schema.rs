// Upstream Placement's tables, as diesel sees them. Kept by hand: the types
// must be valid for both SQLite and PostgreSQL.

diesel::table! {
    resource_classes (id) {
        id -> Integer,
        name -> Text,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    resource_providers (id) {
        id -> Integer,
        uuid -> Text,
        name -> Nullable<Text>,
        generation -> Nullable<Integer>,
        root_provider_id -> Nullable<Integer>,
        parent_provider_id -> Nullable<Integer>,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    inventories (id) {
        id -> Integer,
        resource_provider_id -> Integer,
        resource_class_id -> Integer,
        total -> Integer,
        reserved -> Integer,
        min_unit -> Integer,
        max_unit -> Integer,
        step_size -> Integer,
        allocation_ratio -> Double,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    allocations (id) {
        id -> Integer,
        resource_provider_id -> Integer,
        consumer_id -> Text,
        resource_class_id -> Integer,
        used -> Integer,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    placement_aggregates (id) {
        id -> Integer,
        uuid -> Nullable<Text>,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    resource_provider_aggregates (resource_provider_id, aggregate_id) {
        resource_provider_id -> Integer,
        aggregate_id -> Integer,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    traits (id) {
        id -> Integer,
        name -> Text,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    resource_provider_traits (trait_id, resource_provider_id) {
        trait_id -> Integer,
        resource_provider_id -> Integer,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    projects (id) {
        id -> Integer,
        external_id -> Text,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    users (id) {
        id -> Integer,
        external_id -> Text,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    consumer_types (id) {
        id -> Integer,
        name -> Text,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    consumers (id) {
        id -> Integer,
        uuid -> Text,
        project_id -> Integer,
        user_id -> Integer,
        generation -> Integer,
        consumer_type_id -> Nullable<Integer>,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    resource_classes,
    resource_providers,
    inventories,
    allocations,
    placement_aggregates,
    resource_provider_aggregates,
    traits,
    resource_provider_traits,
    projects,
    users,
    consumer_types,
    consumers,
);
