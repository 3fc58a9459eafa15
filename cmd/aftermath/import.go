package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/aftermath-sre/aftermath/internal/archive"
	"github.com/aftermath-sre/aftermath/internal/store"
)

func importCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "import PATH...",
		Short: "Import markdown post-mortems (files, or folders of *.md files)",
		Long: "Import markdown post-mortems in Aftermath's format or the icco/postmortems format.\n" +
			"A file whose external_id (or id) is already stored updates that incident.\n" +
			"Files that fail are listed with the reason; the others still import,\n" +
			"and the command exits non-zero if any failed.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, paths []string) error {
			dsn, _ := cmd.Flags().GetString("db")
			st, err := store.Open(cmd.Context(), dsn, store.Options{})
			if err != nil {
				return err
			}
			defer st.Close()
			start := time.Now()
			sum, err := archive.ImportPaths(cmd.Context(), st, paths)
			elapsed := time.Since(start)
			for _, f := range sum.Failures {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\n", f.Path, f.Err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d files in %s (%.0f files/s): %d created, %d updated, %d unchanged, %d failed\n",
				sum.Files(), elapsed.Round(time.Millisecond), float64(sum.Files())/elapsed.Seconds(),
				sum.Created, sum.Updated, sum.Unchanged, sum.Failed)
			if err != nil {
				return err
			}
			if sum.Failed > 0 {
				return fmt.Errorf("%d of %d files failed to import", sum.Failed, sum.Files())
			}
			return nil
		},
	}
}
