// Package hubtest holds the end-to-end tests of the province hub: several
// motcua-intake replicas (real processes) on one throwaway PostgreSQL
// cluster, agents (the real outbox, worker and connector, in-process)
// submitting through them; the crash test and the reconnect-storm
// benchmark. It has no API.
package hubtest
