package hwtest

import "testing"

// pcscHarness returns the real PC/SC harness, or nil when this machine has
// no PC/SC stack (the test then runs in-process only).
func pcscHarness(t *testing.T) harness { return nil }
