// Package seed generates realistic synthetic incidents for demos, pattern
// reports and benchmarks.
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
// historical incidents lack some timestamps, and some causes come back on
// the same service with a near-identical description, a share of them after
// a preventive action item on the earlier incident was marked done.
package seed
