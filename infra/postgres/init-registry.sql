-- docker-compose.yml: the schema registry's own database beside `tuneton` (run once, by the postgres
-- image's entrypoint, on an empty data volume). infra/registry/start.sh creates it itself without Docker.
CREATE DATABASE apicurio;
