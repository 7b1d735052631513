-- Upstream's indexes for the SQL it runs per request (usages by project and
-- user, capacity per provider and class). This service answers those from
-- memory and never runs such queries, while every claim would still write a
-- random page of each index: dropping them halves the pages a claim
-- writes. Tables, columns and unique constraints stay upstream's.
DROP INDEX IF EXISTS consumers_project_id_uuid_idx;
DROP INDEX IF EXISTS consumers_project_id_user_id_uuid_idx;
DROP INDEX IF EXISTS allocations_resource_provider_class_used_idx;
DROP INDEX IF EXISTS allocations_resource_class_id_idx;
