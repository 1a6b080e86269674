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
package outbox
