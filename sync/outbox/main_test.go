package outbox

import (
	"os"
	"testing"
)

// TestMain lets the test binary act as a child process for the disk-full
// and read-only tests (see fault_linux_test.go).
func TestMain(m *testing.M) {
	if mode := os.Getenv("OUTBOX_TEST_CHILD"); mode != "" {
		os.Exit(runChild(mode, os.Getenv("OUTBOX_TEST_DIR")))
	}
	os.Exit(m.Run())
}
