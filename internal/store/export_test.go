package store

import "context"

// RowCounts counts the rows of every copied table, for tests.
func (s *Store) RowCounts(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range copiedTables {
		var n int64
		if err := s.reader.WithContext(ctx).Table(t.name).Count(&n).Error; err != nil {
			return nil, err
		}
		out[t.name] = n
	}
	return out, nil
}

// Tables lists the tables of the schema, and the copied and deliberately
// uncopied ones, for tests.
func (s *Store) Tables(ctx context.Context) (schema, copied, skipped []string, err error) {
	query := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'incidents_fts%' ORDER BY name"
	if s.engine.name() == "postgres" {
		query = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name"
	}
	if err = s.reader.WithContext(ctx).Raw(query).Scan(&schema).Error; err != nil {
		return nil, nil, nil, err
	}
	for _, t := range copiedTables {
		copied = append(copied, t.name)
	}
	return schema, copied, notCopied, nil
}

// ExecForTest runs SQL on the writer, for tests that must put the database
// in a state no method leads to (an older scheme recorded, say).
func (s *Store) ExecForTest(ctx context.Context, sql string) error {
	return s.writer.WithContext(ctx).Exec(sql).Error
}
