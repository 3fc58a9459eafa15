package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/aftermath-sre/aftermath/internal/archive"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
)

func importCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "import PATH...",
		Short: "Import markdown post-mortems (files, or folders of *.md files)",
		Long: `Import markdown post-mortems in Aftermath's format or the icco/postmortems format.

A file whose external_id (or id and created_at) is already stored updates that
incident, unless the file is at an older version than the stored incident:
that is a conflict, listed with the current version, never an overwrite.
Copies of one post-mortem among the files import as one: the newest version
wins, whatever the files are called. Files that fail or conflict are listed
with the reason and the others still import; what is not a regular file (a
named pipe, a device) is skipped with the reason. The command exits non-zero
if any file failed or conflicted.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, paths []string) error {
			st, err := openStore(cmd, store.Options{})
			if err != nil {
				return err
			}
			defer st.Close()
			start := time.Now()
			bar := newProgress(cmd, "importing", "files")
			sum, err := archive.ImportPaths(cmd.Context(), st, paths, archive.Options{Progress: bar.set})
			bar.finish()
			elapsed := time.Since(start)
			stderr := cmd.ErrOrStderr()
			for _, f := range sum.Skips {
				fmt.Fprintf(stderr, "%s: %v\n", f.Path, f.Err)
			}
			for _, f := range sum.Failures {
				fmt.Fprintf(stderr, "%s: %s\n", f.Path, describeFileError(f))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d files in %s (%.0f files/s): %d created, %d updated, %d unchanged, %d superseded, %d conflicts, %d failed, %d skipped\n",
				sum.Files(), elapsed.Round(time.Millisecond), float64(sum.Files())/elapsed.Seconds(),
				sum.Created, sum.Updated, sum.Unchanged, sum.Superseded, sum.Conflicts, sum.Failed, sum.Skipped)
			if sum.Catalogs+sum.Vocabularies+sum.CommentFiles > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "beside them: %d catalogues, %d vocabularies, %d comment files (%d comments added)\n",
					sum.Catalogs, sum.Vocabularies, sum.CommentFiles, sum.Comments)
			}
			if err != nil {
				listCommitted(stderr, sum)
				return fmt.Errorf("the import stopped: %w", err)
			}
			if bad := sum.Failed + sum.Conflicts; bad > 0 {
				return fmt.Errorf("%d of %d files were not imported", bad, sum.Files())
			}
			return nil
		},
	}
}

// describeFileError words why a file was not imported.
func describeFileError(f archive.FileResult) string {
	if f.Outcome == incident.ImportConflict {
		return "conflict: " + incident.ErrorMessage(f.Err)
	}
	return describe(f.Err)
}

// listCommitted says, after an import stopped, exactly which files are in
// the database: the batches that committed before the fault.
func listCommitted(w io.Writer, sum archive.Summary) {
	if len(sum.Committed)+len(sum.CommittedSideFiles) == 0 {
		fmt.Fprintln(w, "Nothing was written.")
		return
	}
	fmt.Fprintf(w, "These %d files were committed before the import stopped (with the comments beside them); nothing else was written:\n",
		len(sum.Committed)+len(sum.CommittedSideFiles))
	for _, path := range sum.CommittedSideFiles {
		fmt.Fprintf(w, "  %s\n", path)
	}
	for _, r := range sum.Committed {
		fmt.Fprintf(w, "  %s: %s (incident %d)\n", r.Path, r.Outcome, r.ID)
	}
	fmt.Fprintln(w, "Running the same import again is safe: the files already in come out unchanged.")
}
