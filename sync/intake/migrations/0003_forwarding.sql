-- Version 3: forwarding accepted dossiers to the provincial system.
-- forward_state: NULL (not forwarded: forwarding off when it arrived),
-- 'pending', 'forwarded', 'failed' (a definite refusal or an answer that fits
-- no rule: the operator looks). forward_error holds a code, never the remote
-- system's text.
ALTER TABLE dossiers
    ADD COLUMN forward_state    text CHECK (forward_state IN ('pending', 'forwarded', 'failed')),
    ADD COLUMN forward_next_at  timestamptz,
    ADD COLUMN forward_attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN forward_error    text,
    ADD COLUMN provincial_code  text,
    ADD COLUMN forwarded_at     timestamptz,
    ADD COLUMN status_checked_at timestamptz;

CREATE INDEX dossiers_forward_due ON dossiers (forward_next_at) WHERE forward_state = 'pending';
