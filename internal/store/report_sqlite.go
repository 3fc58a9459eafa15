package store

// reportDialect holds the SQL of report queries that differs between
// backends: month buckets, and the planner hints that SQLite needs to read
// a window through the right index. Every other part of those queries is
// standard SQL, in report_source.go.
type reportDialect struct {
	// month is the "YYYY-MM" in UTC of a unix-seconds column.
	month func(column string) string
	// windowed is the FROM clause that reads the incidents of a window on
	// started_at row by row.
	windowed string
	// joinChild is the FROM clause for a child table (e.g. "findings f",
	// alias f) of the incidents in a scope.
	joinChild func(child, alias string) string
}

// sqliteReport is the SQLite dialect.
//
//   - A windowed scan walks incidents_report, which starts with started_at
//     (and covers the data-quality columns): without table statistics
//     SQLite takes a one-sided window (since only) for a quarter of the
//     table and scans all of it instead, which for a month of a large
//     history reads thirty times the rows.
//   - CROSS JOIN, which SQLite reads as "this order", makes the incidents
//     in the window the outer loop and each child a primary-key lookup:
//     the planner otherwise prefers to scan the child table, ten times
//     slower for a one-sided window.
var sqliteReport = reportDialect{
	month:    func(column string) string { return "strftime('%Y-%m', " + column + ", 'unixepoch')" },
	windowed: "incidents AS i INDEXED BY incidents_report",
	joinChild: func(child, alias string) string {
		return "incidents AS i CROSS JOIN " + child + " ON " + alias + ".incident_id = i.id"
	},
}

func (sqliteEngine) reportSQL() reportDialect { return sqliteReport }
