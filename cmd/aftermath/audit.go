package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/aftermath-sre/aftermath/internal/store"
)

// errAuditBroken makes `audit verify` exit 1 once it has said why.
var errAuditBroken = errors.New("the audit log's hash chain is broken")

func auditCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "The audit log: verify its hash chain"}
	cmd.AddCommand(&cobra.Command{
		Use:   "verify",
		Short: "Check the audit log's hash chain; exit 1 naming the first entry that does not match",
		Long: "Recompute the audit log's hash chain. An entry that was edited, removed or\n" +
			"moved breaks it: the command names the first such entry and exits 1. On\n" +
			"success it prints the last entry's hash; keep it elsewhere (a ticket, a log\n" +
			"shipped off the machine), and a later rewrite of the whole log shows too.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := openStore(cmd, store.Options{})
			if err != nil {
				return err
			}
			defer st.Close()
			check, err := st.VerifyAudit(cmd.Context())
			if err != nil {
				return err
			}
			if check.Problem != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "audit log: %d entries check out, then: %s\n", check.Entries, check.Problem)
				return errAuditBroken
			}
			fmt.Fprintf(cmd.OutOrStdout(), "audit log: %d entries, chain intact, head %s\n", check.Entries, check.Head)
			return nil
		},
	})
	return cmd
}
