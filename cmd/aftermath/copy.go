package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
)

func copyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "copy --from DSN --to DSN",
		Short: "Copy every table from one database to another (SQLite ↔ PostgreSQL)",
		Long: `Copy every row of one database into another, empty one: a SQLite file into
PostgreSQL when a team moves to several instances, or back. Both are brought
up to this binary's schema first. The source may stay in use: the copy reads
one snapshot of it, and what is written after it began is not copied. The
target is written in one transaction, so it holds the whole copy or nothing;
a target that holds anything (incidents, services, accounts, comments, audit
entries) is refused. The search index is rebuilt on the target, and the audit
log is copied entry for entry, so "aftermath audit verify" checks it there.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fromDSN, _ := cmd.Flags().GetString("from")
			toDSN, _ := cmd.Flags().GetString("to")
			if fromDSN == "" || toDSN == "" {
				return errors.New("copy needs --from and --to")
			}
			if fromDSN == toDSN {
				return errors.New("--from and --to name the same database")
			}
			log, err := newLogger(cmd)
			if err != nil {
				return err
			}
			from, err := store.Open(cmd.Context(), fromDSN, store.Options{Log: log})
			if err != nil {
				return fmt.Errorf("--from: %w", err)
			}
			defer from.Close()
			to, err := store.Open(cmd.Context(), toDSN, store.Options{Log: log})
			if err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			defer to.Close()
			start := time.Now()
			err = store.Copy(cmd.Context(), from, to, copyProgress(cmd.ErrOrStderr()))
			if err != nil {
				if incident.ErrorCode(err) == incident.EINVALID {
					return errors.New(incident.ErrorMessage(err))
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "copied %s (%s) to %s (%s) in %s\n",
				from.Where(), from.Engine(), to.Where(), to.Engine(), time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().String("from", "", "the database to copy: a SQLite file, sqlite://PATH or postgres://…")
	cmd.Flags().String("to", "", "the empty database to copy into")
	return cmd
}

// copyProgress prints a line as each table starts and then every 10,000
// rows, so that a long copy shows where it is, on a terminal or in a log.
func copyProgress(w io.Writer) store.CopyProgress {
	var last int64
	return func(table string, done, total int64) {
		switch {
		case done == 0:
			last = 0
			fmt.Fprintf(w, "copying %s: %d rows\n", table, total)
		case done == total || done-last >= 10000:
			last = done
			fmt.Fprintf(w, "  %s: %d of %d\n", table, done, total)
		}
	}
}
