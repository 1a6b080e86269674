-- Version 4: attachments (API 1.2). A submission lists its attachments; each
-- file arrives on its own, is stored once per (key, name) in 256 KiB chunks
-- (streamed, never whole in memory) in the same transaction that marks it
-- received, and only when its size and SHA-256 match the list.
CREATE TABLE dossier_attachments (
    idempotency_key uuid    NOT NULL REFERENCES dossiers (idempotency_key),
    idx             integer NOT NULL,
    name            text    NOT NULL,
    media_type      text    NOT NULL,
    pages           integer NOT NULL DEFAULT 0,
    size            bigint  NOT NULL,
    sha256          text    NOT NULL,
    received_at     timestamptz,
    uploads         integer NOT NULL DEFAULT 0,
    PRIMARY KEY (idempotency_key, name),
    UNIQUE (idempotency_key, idx)
);

CREATE TABLE attachment_chunks (
    idempotency_key uuid    NOT NULL,
    name            text    NOT NULL,
    n               integer NOT NULL,
    data            bytea   NOT NULL,
    PRIMARY KEY (idempotency_key, name, n),
    FOREIGN KEY (idempotency_key, name) REFERENCES dossier_attachments (idempotency_key, name)
);
