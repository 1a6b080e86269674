package intake

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Faults are the failures the intake injects, each a probability in [0,1]
// drawn per request to /v1/dossiers*.
type Faults struct {
	// Drop closes the connection without answering, before processing.
	Drop float64
	// FiveXX answers 503 without processing.
	FiveXX float64
	// Reset resets the TCP connection (RST), before processing.
	Reset float64
	// SilentAccept stores a submission, then closes the connection
	// without answering.
	SilentAccept float64
	// Delay is added before processing every request (a slow receiver).
	Delay time.Duration
	// Seed seeds the draws (0: random).
	Seed uint64
}

// Validate checks the probabilities.
func (f Faults) Validate() error {
	for name, p := range map[string]float64{"drop": f.Drop, "5xx": f.FiveXX, "reset": f.Reset, "silent-accept": f.SilentAccept} {
		if p < 0 || p > 1 {
			return fmt.Errorf("intake: fault %s probability %v is outside [0,1]", name, p)
		}
	}
	if f.Delay < 0 {
		return fmt.Errorf("intake: fault delay %v is negative", f.Delay)
	}
	return nil
}

// Any reports whether any fault is switched on.
func (f Faults) Any() bool {
	return f.Drop > 0 || f.FiveXX > 0 || f.Reset > 0 || f.SilentAccept > 0 || f.Delay > 0
}

// dice draws fault decisions from a seeded source, safely across requests.
type dice struct {
	mu sync.Mutex
	r  *rand.Rand
}

func newDice(seed uint64) *dice {
	if seed == 0 {
		seed = rand.Uint64()
	}
	return &dice{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (d *dice) hit(p float64) bool {
	if p <= 0 {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.r.Float64() < p
}
