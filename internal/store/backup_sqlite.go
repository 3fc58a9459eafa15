package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// backupFile copies the database at path through a connection of its own:
// the readers are query_only, which VACUUM INTO refuses although it only
// reads the source, and the writer must not be held for the whole copy.
func backupFile(ctx context.Context, path, dest string, opts BackupOptions) error {
	db, err := openSQLite(readerDriver, path, commonPragmas, 1)
	if err != nil {
		return err
	}
	defer closeGorm(db)
	return backupFrom(ctx, db, dest, opts)
}

// backupFrom snapshots db into a temporary file beside dest, checks it,
// makes it durable, and only then gives it dest's name, so that dest is
// never a half-written database, whatever crashes when.
func backupFrom(ctx context.Context, db *gorm.DB, dest string, opts BackupOptions) error {
	dest, err := filepath.Abs(dest)
	if err != nil {
		return err
	}
	if !opts.Replace {
		if _, err := os.Stat(dest); err == nil {
			return incident.Errorf(incident.EINVALID, "%s exists already; choose another name or replace it.", dest)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".*.partial")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	// VACUUM INTO refuses a file that exists and is not empty; ours is empty.
	done := false
	defer func() {
		if !done {
			os.Remove(tmpPath)
		}
	}()
	if err := db.WithContext(ctx).Exec("VACUUM INTO ?", tmpPath).Error; err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// VACUUM INTO does not sync its output (sqlite.org: check it before use).
	if err := syncFile(tmpPath); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := checkIntegrity(ctx, tmpPath); err != nil {
		return err
	}
	if err := os.Rename(tmpPath, dest); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	done = true
	return syncFile(filepath.Dir(dest)) // make the rename itself durable
}

// IntegrityCheck runs PRAGMA integrity_check and foreign_key_check on the
// database file at path, and returns an error describing the first problems
// found, or nil when the file is sound.
func IntegrityCheck(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return incident.Errorf(incident.ENOTFOUND, "There is no database at %s.", path)
	}
	return checkIntegrity(ctx, path)
}

func checkIntegrity(ctx context.Context, path string) error {
	// query_only, not mode=ro: a read-only connection cannot replay the WAL
	// that a crashed process left behind.
	db, err := sql.Open(readerDriver, "file:"+url.PathEscape(path)+"?_query_only=true&_busy_timeout=10000")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check(20)")
	if err != nil {
		return fmt.Errorf("integrity check of %s: %w", path, err)
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	var orphans int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM pragma_foreign_key_check").Scan(&orphans); err != nil {
		return err
	}
	if orphans > 0 {
		problems = append(problems, fmt.Sprintf("%d rows break a foreign key", orphans))
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check of %s failed: %s", path, strings.Join(problems, "; "))
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
