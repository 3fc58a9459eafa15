// Package postmortem reads and writes post-mortems as markdown files, and
// renders markdown to safe HTML for the web pages.
//
// # The file format
//
// A post-mortem file is YAML front matter between two "---" lines, then a
// markdown body:
//
//	---
//	id: 1
//	title: Payment processing outage
//	service: Linktree
//	...                      every field of incident.Incident, in a fixed order
//	keywords:                then the keys Aftermath does not model
//	- payments               (incident.Extra), sorted, written back as read
//	---
//	# Payment processing outage
//	...                      sections generated from the front matter
//	## Description
//
//	<!-- aftermath:description ... -->
//
//	The free description, exactly as written.
//
// The front matter is the source of truth. The generated sections are there
// for people reading the file and are ignored on import; the free
// description is everything after the DescriptionMarker line. A body without
// the marker (a hand-written file) is all description.
//
// Writing is deterministic: the same incident always gives the same bytes,
// and Parse(Marshal(inc)) gives inc back, Extra included.
//
// Parse also accepts the format of the public icco/postmortems collection
// and maps it onto an incident as PRODUCT.md's Import table says (icco.go).
package postmortem
