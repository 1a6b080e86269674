-- motcua intake schema, version 1: dossiers keyed by idempotency key forever,
-- enrolled devices and their credential hashes, monthly heartbeat counts.
CREATE TABLE devices (
    id                text PRIMARY KEY,
    name              text NOT NULL UNIQUE,
    enrolled_at       timestamptz NOT NULL,
    revoked_at        timestamptz,
    last_heartbeat    jsonb,
    last_heartbeat_at timestamptz
);

CREATE TABLE credentials (
    hash      text PRIMARY KEY,
    device_id text NOT NULL REFERENCES devices (id)
);

CREATE SEQUENCE dossier_seq;

-- The primary key is the exactly-once guarantee: a key maps to one dossier
-- forever (no row is ever deleted). payload is bytea, not jsonb, so the
-- bytes the body hash covers come back unchanged.
CREATE TABLE dossiers (
    idempotency_key uuid PRIMARY KEY,
    dossier_code    text NOT NULL UNIQUE,
    service         text NOT NULL,
    status          smallint NOT NULL CHECK (status BETWEEN 1 AND 10),
    submissions     integer NOT NULL,
    first_at        timestamptz NOT NULL,
    last_at         timestamptz NOT NULL,
    body_sha256     text NOT NULL,
    device_id       text NOT NULL,
    channel         text NOT NULL,
    payload         bytea NOT NULL
);

CREATE TABLE heartbeat_counts (
    month     text NOT NULL,
    device_id text NOT NULL REFERENCES devices (id),
    family    text NOT NULL,
    label     text NOT NULL,
    n         bigint NOT NULL,
    PRIMARY KEY (month, device_id, family, label)
);
