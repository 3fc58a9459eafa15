package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aftermath-sre/aftermath/internal/archive"
	"github.com/aftermath-sre/aftermath/internal/catalog"
	"github.com/aftermath-sre/aftermath/internal/store"
)

func catalogCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "Import and export the service catalogue (Backstage descriptors, failure modes)",
	}
	cmd.AddCommand(catalogImportCommand(), catalogExportCommand())
	return cmd
}

func catalogImportCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "import PATH...",
		Short: "Import Backstage descriptors (catalog-info.yaml) or a catalogue export",
		Long: `Import service catalogue files: Backstage descriptor files as teams keep them in
their repositories (one or more entities per file; Components and Resources
become services, a System becomes the system of its components, other kinds
are passed over with a note), or the catalogue that "aftermath catalog export"
and "aftermath export --out DIR" write, which also carries failure modes and
industries. A folder is searched for catalog-info.yaml, catalog-info.yml and
catalog.yaml at any depth.

The files are imported together in one transaction. Dependencies, industries,
tags and annotations are added, never removed; the other fields take the
file's value where it gives one; an entry the database holds a newer version
of is kept as it is and listed. Importing the same files again changes
nothing. Files that cannot be read are listed and the others still import;
the command then exits non-zero.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, paths []string) error {
			st, err := openStore(cmd, store.Options{})
			if err != nil {
				return err
			}
			defer st.Close()
			sum, err := archive.ImportCatalogFiles(cmd.Context(), st, paths)
			stderr, stdout := cmd.ErrOrStderr(), cmd.OutOrStdout()
			for _, f := range sum.Failures {
				fmt.Fprintf(stderr, "%s: %s\n", f.Path, describe(f.Err))
			}
			if err != nil {
				return fmt.Errorf("nothing was imported: %s", describe(err))
			}
			if r := sum.Result; r != nil {
				fmt.Fprintf(stdout, "%d files: services %d created, %d updated, %d unchanged; failure modes %d created, %d updated, %d unchanged\n",
					len(sum.Read), r.ServicesCreated, r.ServicesUpdated, r.ServicesUnchanged,
					r.FailureModesCreated, r.FailureModesUpdated, r.FailureModesUnchanged)
				if len(r.Kept) > 0 {
					fmt.Fprintf(stdout, "kept, as the database holds a newer version: %s\n", strings.Join(r.Kept, ", "))
				}
				for _, note := range r.Notes {
					fmt.Fprintln(stdout, "note: "+note)
				}
			}
			if len(sum.Failures) > 0 {
				return fmt.Errorf("%d files were not imported", len(sum.Failures))
			}
			return nil
		},
	}
}

func catalogExportCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export [--out FILE]",
		Short: "Write the service catalogue, failure modes included, to stdout or FILE",
		Long: `Write the whole service catalogue in Aftermath's catalogue format: every service
with its catalogue fields (kind, type, owner, lifecycle, system, tags,
annotations), its dependencies, the industries that depend on it, and its
failure modes with their status history. "aftermath catalog import" reads it
back; exported, imported into an empty database and exported again, it gives
the same bytes. It is the catalog.yaml that "aftermath export --out DIR"
writes beside the post-mortems.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := openStore(cmd, store.Options{MustExist: true})
			if err != nil {
				return err
			}
			defer st.Close()
			services, err := st.Catalog(cmd.Context())
			if err != nil {
				return err
			}
			data, err := catalog.Marshal(services)
			if err != nil {
				return err
			}
			if out, _ := cmd.Flags().GetString("out"); out != "" {
				if err := archive.WriteFileAtomically(out, data); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "exported %d services into %s\n", len(services), out)
				return nil
			}
			_, err = cmd.OutOrStdout().Write(data)
			return err
		},
	}
	cmd.Flags().String("out", "", "file to write the catalogue into (default: stdout)")
	return cmd
}
