package main

import (
	"os"
	"runtime/debug"
)

// reportGCPercent is the GOGC of the commands that build reports (serve,
// report) unless the environment sets one. A report reads every cause and
// factor as a string that is garbage a moment later (some 100 MB of them
// over 100,000 incidents, while some 60 MB stay live), and its working set
// is mostly pointer-free slices, which the collector marks cheaply. At Go's
// default of 100 the heap grew to twice what was live: `aftermath report`
// peaked at 188–208 MB on SQLite (175–183 MB on PostgreSQL); at 50, at
// 166–182 MB (141–152 MB), in the same wall time within the noise, and the
// server some 20 MB lower.
const reportGCPercent = 50

// paceCollector sets reportGCPercent, unless GOGC is set.
func paceCollector() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(reportGCPercent)
	}
}
