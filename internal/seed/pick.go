package seed

import "math/rand/v2"

// weights is a cumulative distribution over indexes, built once.
type weights struct {
	cum []float64
}

// newWeights builds a distribution from relative weights.
func newWeights(w ...float64) weights {
	cum := make([]float64, len(w))
	total := 0.0
	for i, x := range w {
		total += x
		cum[i] = total
	}
	return weights{cum: cum}
}

// pick draws an index with probability proportional to its weight.
func (w weights) pick(r *rand.Rand) int {
	x := r.Float64() * w.cum[len(w.cum)-1]
	// Binary search; the lists are short but some (services) have ~40 entries.
	lo, hi := 0, len(w.cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if x < w.cum[mid] {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// oneOf returns a uniformly chosen element.
func oneOf[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// between returns a uniform integer in [lo, hi].
func between(r *rand.Rand, lo, hi int) int { return lo + r.IntN(hi-lo+1) }
