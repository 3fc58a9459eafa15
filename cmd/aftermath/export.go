package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/aftermath-sre/aftermath/internal/archive"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/postmortem"
	"github.com/aftermath-sre/aftermath/internal/store"
)

func exportCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export [ID] [--out DIR]",
		Short: "Write one post-mortem to stdout, or all of them into DIR",
		Long: `Write one post-mortem to stdout, or every one into DIR, with what an empty
database needs to show the same incidents: each post-mortem's comments
(NAME.comments.yaml beside NAME.md), the service catalogue (catalog.yaml)
and the vocabularies (vocabulary.yaml). Everything is read from one
snapshot. "aftermath import DIR" restores it.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out, _ := cmd.Flags().GetString("out")
			if len(args) == 0 && out == "" {
				return fmt.Errorf("give an incident ID, or --out DIR to export every incident")
			}
			st, err := openStore(cmd, store.Options{MustExist: true})
			if err != nil {
				return err
			}
			defer st.Close()
			if len(args) == 0 {
				bar := newProgress(cmd, "exporting", "post-mortems")
				n, err := archive.ExportDir(cmd.Context(), st, incident.Filter{}, out, archive.ExportOptions{Progress: bar.set})
				bar.finish()
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "exported %d post-mortems into %s\n", n, out)
				return nil
			}
			id, ok := incident.ParseID(args[0])
			if !ok {
				return fmt.Errorf("%q is not an incident id: ids are written as whole numbers such as 42", args[0])
			}
			inc, err := st.GetIncident(cmd.Context(), id)
			if err != nil {
				return err
			}
			data, err := postmortem.Marshal(inc)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(data)
			return err
		},
	}
	cmd.Flags().String("out", "", "folder to write every post-mortem into")
	return cmd
}
