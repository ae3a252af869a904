package bench

import "slices"

// sampleSet holds every round's sample, by workload index and client.
type sampleSet map[int]map[string][]*sample

func newSampleSet() sampleSet { return sampleSet{} }

func (ss sampleSet) add(workload int, client string, s *sample) {
	if ss[workload] == nil {
		ss[workload] = map[string][]*sample{}
	}
	ss[workload][client] = append(ss[workload][client], s)
}

// median of the metric over samples.
func median[T any](xs []T, metric func(T) float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	vs := make([]float64, len(xs))
	for i, x := range xs {
		vs[i] = metric(x)
	}
	slices.Sort(vs)
	if n := len(vs); n%2 == 0 {
		return (vs[n/2-1] + vs[n/2]) / 2
	}
	return vs[len(vs)/2]
}

// pairedRatio is the median over rounds of metric(a) / metric(b), each
// ratio taken between samples of the same round.
func pairedRatio[T any](a, b []T, metric func(T) float64) float64 {
	n := min(len(a), len(b))
	ratios := make([]float64, 0, n)
	for i := range n {
		if d := metric(b[i]); d != 0 {
			ratios = append(ratios, metric(a[i])/d)
		}
	}
	return median(ratios, func(r float64) float64 { return r })
}
