// Package seed generates realistic synthetic incidents for demos, pattern
// reports and benchmarks, and records the recurrences it plants, so that a
// report can be measured against them.
//
// A Generator is deterministic: the same seed and the same anchor time give
// exactly the same sequence of incidents. Every generated incident is already
// in the canonical form that incident.Normalize produces and passes
// ValidateFiled against the default vocabulary.
//
// The data is shaped like a real incident history: a few services have most
// of the incidents, minor severities dominate, detection and repair times
// are log-normal with long tails, recent incidents are still open while old
// ones are resolved with their action items mostly done, a small share of
// historical incidents lack some timestamps, and a few services fail by one
// category more than the fleet does (a database by database causes).
//
// Some failures come back (recurrence.go). A recurrence is the same failure
// written up again as a second post-mortem would be: the same mechanism,
// component and quoted identifiers (config key, table, route, error), with
// part of the wording changed, other figures and hosts, its sentences kept,
// replaced, added and reordered, on the same service or one related to it
// by a dependency, now and then with contributing factors carried over;
// some come back after a preventive fix of the failure was marked done.
// Generator.Recurrences lists them: each incident, the earlier one it
// repeats, and whether it came after such a fix. Unrelated incidents are
// worded apart: identifiers come from pools of hundreds, and every template
// names two of them.
package seed
