// Package crashtest holds the end-to-end tests of the sync path: the crash
// test (agent children SIGKILLed at random points against a real
// motcua-intake process with faults on) and tests of the motcua outbox/sync
// and motcua-intake command lines. It has no API.
package crashtest
