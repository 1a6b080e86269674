package outbox

import "testing"

// BenchmarkOrdSetDrainFront is a drain of a 100,000-record backlog as the
// due index sees it: each claim removes the earliest key (the front).
// Removing the front by re-slicing instead of copying the rest: 9.0 ms for
// the whole drain instead of 2.69 s (27 µs a claim).
func BenchmarkOrdSetDrainFront(b *testing.B) {
	const n = 100_000
	for range b.N {
		b.StopTimer()
		var o ordSet
		for i := range n {
			o.insert(okey{int64(i), uint64(i)})
		}
		b.StartTimer()
		for i := range n {
			o.remove(okey{int64(i), uint64(i)})
		}
	}
}
