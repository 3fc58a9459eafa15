package store

// postgresReport is the PostgreSQL dialect of the report's queries. Its
// planner keeps table statistics (ANALYZE, autovacuum), so it needs none of
// SQLite's hints: a window is read through whichever index its bounds make
// cheapest, and the join order is the planner's.
var postgresReport = reportDialect{
	month: func(column string) string {
		return "to_char(to_timestamp(" + column + ") AT TIME ZONE 'UTC', 'YYYY-MM')"
	},
	windowed: "incidents AS i",
	joinChild: func(child, alias string) string {
		return "incidents AS i JOIN " + child + " ON " + alias + ".incident_id = i.id"
	},
}

func (postgresEngine) reportSQL() reportDialect { return postgresReport }
