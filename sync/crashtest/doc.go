// Package crashtest holds the end-to-end crash test of the outbox and the
// sync worker against a real motcua-intake process with faults on. It has
// no API; see crash_test.go.
package crashtest
