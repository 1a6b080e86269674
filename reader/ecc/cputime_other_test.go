//go:build !unix

package ecc

// processCPU is not measured on this platform; the benchmarks then report
// wall time only.
func processCPU() int64 { return 0 }
