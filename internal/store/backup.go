package store

import (
	"context"
	"os"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// BackupOptions tune Backup.
type BackupOptions struct {
	// Replace lets the backup replace an existing file. The old file stays
	// whole until the new one is complete: the copy is renamed over it.
	Replace bool
}

// Backup writes a consistent copy of the live SQLite database to dest. The
// copy is one read transaction's snapshot (VACUUM INTO): every commit
// before it began is in the copy, none after, and each incident comes with
// all its child rows. Under WAL the snapshot does not stop writers. On
// PostgreSQL it refuses, naming pg_dump.
func (s *Store) Backup(ctx context.Context, dest string, opts BackupOptions) error {
	return s.engine.backup(ctx, s, dest, opts)
}

// Backup copies the database named by dsn to dest, as (*Store).Backup does,
// without migrating it first: a backup is often what you take before
// upgrading.
func Backup(ctx context.Context, dsn, dest string, opts BackupOptions) error {
	db, err := ParseDSN(dsn)
	if err != nil {
		return err
	}
	if db.Postgres {
		return errPostgresBackup
	}
	path := db.Path
	// Opening a missing file would create an empty database, and back it up.
	if _, err := os.Stat(path); err != nil {
		return incident.Errorf(incident.ENOTFOUND, "There is no database at %s.", path)
	}
	return backupFile(ctx, path, dest, opts)
}
