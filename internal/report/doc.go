// Package report computes pattern reports over the incident history — what
// keeps failing, why, how fast it is noticed and whether fixes hold — and
// the history of one service, and writes the report as a markdown review
// document.
//
// # Where the work is done
//
// The report reads storage through Source (source.go), which package store
// implements: narrow aggregates (counts by incident attribute, action
// items) and streams (durations, timestamp problems, and the pattern
// pass). This package writes no SQL. Each method is one query; Build runs
// them concurrently.
//
// Pattern detection — recurrences, returns after a fix, recurring
// detection gaps, hotspots — shares one streaming pass over the incidents
// and one over their factors and gaps, reading only ids, times, service,
// severity, detection method, category and description columns (see
// history), and one over the preventive fixes. The pass reaches beyond the
// report: it reads the history up to the window's end, and with a service
// filter the services related to it, so that a failure in the window is
// linked to its earlier occurrences and to fixes made before the window.
//
// # Definitions
//
// Window: incidents whose started_at is in [since, until). With no since and
// no until every incident counts, including those whose start is unknown;
// with either bound an incident without a start cannot be placed and is left
// out of the figures, but it is still listed under data_quality.without_start,
// so nothing is dropped silently.
//
// Durations: time_to_detect = detected_at − started_at, and so on. count is
// the incidents with both timestamps in order; missing is those lacking
// either; inconsistent is those whose end precedes their start (the store
// refuses such writes, so only old or hand-edited data has them). The
// median of an even count is the mean of the two middle values. p90 is the
// nearest-rank percentile: the ⌈0.9·n⌉-th smallest value (1-based), i.e. the
// smallest observed value that at least 90% of the values do not exceed.
// Both are null when count is 0.
//
// Action items (of the incidents in the window): open counts open and
// in_progress; overdue counts open and in_progress items whose due_date is
// before the reference day (as_of, today in UTC unless given); completion
// rate is done / (all items − wont_do), 0 when there are none.
//
// Counts by category count incidents, not findings: an incident with two
// capacity factors counts once under capacity. An unset severity or primary
// cause is counted under the key "(none)"; by_month leaves out incidents
// without a start (they have no month).
//
// Recurring: the same failure again. Two descriptions (primary causes or
// contributing factors) are near-identical when they are on the same
// service or on two services one of which depends directly on the other,
// share at least six words or identifiers that weigh something, have a
// weighted Jaccard similarity of at least 0.35 (each token weighs
// ln(N/df) over the N descriptions of the pass; one that no other
// description uses weighs nothing), and, when both quote identifiers (code
// spans other descriptions quote too), have identifier sets with a Jaccard
// similarity of at least 0.6. Descriptions are grouped in time order: each
// joins the group of the earliest description it is most similar to, or
// starts one (similar.go). A recurrence is a group of two incidents or
// more, one of them in the report; groups of the same incidents are one
// recurrence. The list holds every one; the first Params.Groups carry
// their first description.
//
// Fix of a recurrence: "done" when a preventive action item addressing one
// of its descriptions (addresses names that cause or factor) was marked
// done, "planned" when one is open or in progress, "none" otherwise.
//
// Returned after a fix: an incident in the report, with a start, that
// belongs to a recurrence in which a preventive action item addressing an
// earlier incident's description was marked done before it started — the
// fix did not work. The latest such fix is named.
//
// Recurring detection gaps: a gap category listed on two or more incidents
// of one recurrence.
//
// Hotspots: for each service and cause category (as primary cause or
// contributing factor) with at least five incidents in the window, the
// share of the service's incidents with it is compared with its usual
// share: the service's own history before the window when it has twenty
// incidents there, else the other services of the report in the window.
// A pair is a hotspot when its share is at least 1.5 times the usual one
// (with half an incident added to the baseline) and the one-sided binomial
// probability of that many is below 0.01 divided by the number of pairs
// tested (Bonferroni). Its trend covers the window's months, or the twelve
// months ending with the window when it is shorter: the months' first half
// against their second (a month not over left out), with a two-sided
// binomial test at 0.05, and no trend called below ten incidents or four
// months.
//
// Findings: at most ten sentences, each with the incidents behind it, in
// this order: failures that came back with no preventive action item
// addressing them (those that were primary causes first, the largest
// first), fixes that did not work, detection gaps that recur, SEV1s
// customers found, hotspots.
package report
