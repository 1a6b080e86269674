// Package outbox is the agent's durable, encrypted store of submissions
// waiting to be delivered to the provincial one-stop system.
//
// A submission is any JSON document with a national procedure code (mã TTHC).
// Add returns a fresh client UUID only after the record is committed and
// fsynced by bbolt, so a receipt shown to a citizen is never lost. Each
// payload is sealed with AES-256-GCM under its own data key, wrapped under a
// master key from a key file kept next to the database; purging a record
// destroys its data key and rotates the master key away, so nothing left in
// the file can open it (crypto-shredding). The metadata the sync worker
// needs (UUID, service, state, attempts, times, dossier code, demo flag,
// codes) stays readable without the key; texts from remote systems are
// sealed with the record, never kept in clear.
//
// States:
//
//	pending ──Claim──▶ sending ──MarkAccepted──▶ accepted ──Purge──▶ (payload gone, audit kept)
//	   ▲                  │ ──MarkRejected──▶ rejected
//	   └──MarkRetry───────┤ ──MarkNeedsAttention / attempts exhausted──▶ needs_attention
//	                      └─(crash: reset to pending at Open)
//
// needs_attention records go back to pending only by an operator's Requeue.
//
// # Store format 4
//
// Each dossier is ONE key (its sequence number) and ONE value in bucket
// rec: a compact binary header (state, UUID, due and acceptance times, the
// Record's other fields, the data key wrapped under the master key, the
// owner tags) followed by the sealed payload (value.go). Add is one Put per
// dossier (plus NextSequence on the same bucket) in its fsynced commit, so
// a commit writes as many pages as a bare one-put-per-commit bbolt loop.
// Claims, outcomes, progress, purges and key rotations rewrite that one
// value.
//
// Every index is derived and kept in memory only (index.go): UUID →
// sequence number, due order of pending records, records being sent, purge
// order, per-state counts, master keys in use, owner tag → records. Open
// builds them with one scan of the values' headers (read in place from
// bbolt's mmap; nothing decrypted, no payload copied). A write changes them
// only after its commit succeeded, under a lock held from before the
// transaction to after the change, so memory follows the file in commit
// order; a crash at any point leaves nothing to repair, the file being the
// truth. A read-only open builds them once too: while it is open bbolt's
// shared lock keeps every writer out, so the file cannot change under it.
//
// Not on the Add path, and kept in buckets of their own: sealed detail
// texts (detail, by sequence number), audit records of accepted dossiers
// (audit), the registry of copies of the database (aside) and the format
// marker (format). Attachments are files beside the database.
//
// Caveats: the indexes cost memory and start-up time in proportion to the
// records kept: with 100,000 records Open took 341-656 ms (format 3:
// 408-547 ms, its file being larger) and the open store held 11.8 MB of
// heap (format 3: none), about 120 bytes per record (BenchmarkStartup100k). Because the wrapped data key lives in the
// record's value, a key rotation and every Purge that removes something
// rewrite the value of every live record, payload included (format 3
// rewrote only the short UUID index entries): about 18 µs a record
// (BenchmarkRewrapLive). Options.PurgeSlack batches purges for callers
// that try one on every pass.
package outbox
