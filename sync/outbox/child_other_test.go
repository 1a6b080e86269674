//go:build !linux

package outbox

func runChild(mode, dir string) int { return 2 }
