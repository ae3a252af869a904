//go:build !unix

package bench

import "time"

// cpuTime is zero where getrusage does not exist: the CPU column reads 0.
func cpuTime() time.Duration { return 0 }
