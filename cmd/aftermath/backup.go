package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
)

func backupCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of a live database to FILE",
		Long: `Write a consistent copy of the database to FILE while the server runs.

The copy is one snapshot: every write acknowledged before the backup began is
in it, whole. Writers are not stopped. The copy is checked (integrity_check)
and synced before it takes FILE's name, so FILE is never half written. To
restore, stop the server and put the copy in place of the database file
(removing any -wal and -shm files beside it), or point --db at the copy.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dsn, _ := cmd.Flags().GetString("db")
			replace, _ := cmd.Flags().GetBool("replace")
			start := time.Now()
			err := store.Backup(cmd.Context(), dsn, args[0], store.BackupOptions{Replace: replace})
			if err != nil {
				if incident.ErrorCode(err) != incident.EINTERNAL {
					return errors.New(incident.ErrorMessage(err)) // the user's to fix: no code prefix
				}
				return err
			}
			size := int64(0)
			if fi, err := os.Stat(args[0]); err == nil {
				size = fi.Size()
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backed up to %s (%d bytes) in %s\n",
				args[0], size, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().Bool("replace", false, "replace FILE if it exists; the old copy stays whole until the new one is complete")
	return cmd
}
