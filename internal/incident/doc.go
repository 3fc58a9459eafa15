// Package incident is Aftermath's domain: the incident and its parts, the
// vocabularies they draw on, the rules that make an incident valid, and the
// error values every other package speaks in.
//
// It imports no web framework and no database library; storage, HTTP,
// markdown and reports are packages around it that depend on it, never the
// other way round.
package incident
