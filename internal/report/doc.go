// Package report computes pattern reports over the incident history — what
// keeps failing, why, how fast it is noticed and whether fixes hold — and
// the history of one service, and writes the report as a markdown review
// document.
//
// # Where the work is done
//
// Counts by incident attribute (service, severity, cause, detection method,
// month, outage type, tag), action items and data-quality checks are SQL
// aggregations over the reader pool, mostly answered from the
// incidents_report index (migration 00002). Durations stream one narrow row
// per incident (three differences computed in SQL) and Go sorts them for
// the median and p90. Pattern detection — the same category on a service,
// near-identical descriptions, returns after a fix, and the factor and gap
// counts — shares one streaming pass over the incidents in scope and one
// over their findings, reading only ids, times, service, category and
// description columns (see history). No query loads whole incidents.
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
// Recurring, same category: a cause-vocabulary category that is the primary
// cause or a contributing factor of more than one incident of one service.
// Near-identical descriptions: causes and factors whose token sets
// (lowercased words, without stop words, one-letter words and bare numbers)
// have a Jaccard similarity of at least 0.6, on the same service; see
// clusterSimilar for the grouping and why it scales.
//
// Returned after a fix: an incident with a start and a primary cause such
// that a preventive action item addressing the primary cause (or not saying
// what it addresses) of an incident with the same service and cause
// category was marked done before it started.
package report
