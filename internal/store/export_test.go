package store

import "context"

// ExecForTest runs SQL on the writer, for tests that must put the database
// in a state no method leads to (an older scheme recorded, say).
func (s *Store) ExecForTest(ctx context.Context, sql string) error {
	return s.writer.WithContext(ctx).Exec(sql).Error
}
