package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
)

func userCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage accounts: add, passwd, list"}
	add := &cobra.Command{
		Use:   "add NAME --role ROLE",
		Short: "Add an account; the password is read from standard input",
		Args:  cobra.ExactArgs(1),
		RunE: withAccounts(func(cmd *cobra.Command, args []string, accounts *auth.Accounts) error {
			roleName, _ := cmd.Flags().GetString("role")
			role, err := incident.ParseRole("role", roleName)
			if err != nil {
				return err
			}
			password, err := readPassword(cmd, "Password for "+args[0])
			if err != nil {
				return err
			}
			u, err := accounts.AddUser(cmd.Context(), args[0], role, password)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added user %s (%s)\n", u.Name, u.Role)
			return nil
		}),
	}
	add.Flags().String("role", "", "viewer, responder or admin (required)")
	add.MarkFlagRequired("role")

	passwd := &cobra.Command{
		Use:   "passwd NAME",
		Short: "Set an account's password (read from standard input); its sessions end",
		Args:  cobra.ExactArgs(1),
		RunE: withAccounts(func(cmd *cobra.Command, args []string, accounts *auth.Accounts) error {
			if _, err := accounts.User(cmd.Context(), args[0]); err != nil {
				return err
			}
			password, err := readPassword(cmd, "New password for "+args[0])
			if err != nil {
				return err
			}
			u, err := accounts.SetPassword(cmd.Context(), args[0], password)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "changed the password of %s; their sessions have ended\n", u.Name)
			return nil
		}),
	}

	list := &cobra.Command{
		Use:   "list",
		Short: "List the accounts",
		Args:  cobra.NoArgs,
		RunE: withAccounts(func(cmd *cobra.Command, _ []string, accounts *auth.Accounts) error {
			users, err := accounts.Users(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tROLE\tSOURCE\tCREATED")
			for _, u := range users {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", u.Name, u.Role, u.Source, u.CreatedAt.Format(time.DateOnly))
			}
			return w.Flush()
		}),
	}
	cmd.AddCommand(add, passwd, list)
	return cmd
}

func tokenCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens: create, revoke, list"}
	create := &cobra.Command{
		Use:   "create NAME [--label L] [--expires D] [--role R]",
		Short: "Make an API token for user NAME; prints its id and the token, once",
		Long: "Make an API token for user NAME. The token (aft_…) is printed once and only\n" +
			"its hash is stored: keep it now. --expires takes 30d, 720h and the like.",
		Args: cobra.ExactArgs(1),
		RunE: withAccounts(func(cmd *cobra.Command, args []string, accounts *auth.Accounts) error {
			owner, err := accounts.User(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			f := cmd.Flags()
			var req auth.TokenRequest
			req.Label, _ = f.GetString("label")
			expires, _ := f.GetString("expires")
			if req.ExpiresIn, err = auth.ParseLifetime("expires", expires); err != nil {
				return err
			}
			if roleName, _ := f.GetString("role"); roleName != "" {
				if req.Role, err = incident.ParseRole("role", roleName); err != nil {
					return err
				}
			}
			t, secret, err := accounts.CreateToken(cmd.Context(), owner, req)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "id: %s\ntoken: %s\n", t.ID, secret)
			fmt.Fprintln(cmd.ErrOrStderr(), "The token is shown this once; only its hash is stored.")
			return nil
		}),
	}
	create.Flags().String("label", "", "what the token is for (prometheus, ci, …)")
	create.Flags().String("expires", "", "lifetime, such as 30d or 720h; default never")
	create.Flags().String("role", "", "cap the token below its owner's role: viewer or responder")

	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token by its id; it stops working within seconds",
		Args:  cobra.ExactArgs(1),
		RunE: withAccounts(func(cmd *cobra.Command, args []string, accounts *auth.Accounts) error {
			t, err := accounts.RevokeToken(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked token %s of %s\n", t.ID, t.User)
			return nil
		}),
	}

	list := &cobra.Command{
		Use:   "list [NAME]",
		Short: "List the API tokens of NAME, or of everyone",
		Args:  cobra.MaximumNArgs(1),
		RunE: withAccounts(func(cmd *cobra.Command, args []string, accounts *auth.Accounts) error {
			var userID int64
			if len(args) == 1 {
				u, err := accounts.User(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				userID = u.ID
			}
			tokens, err := accounts.Tokens(cmd.Context(), userID)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tUSER\tLABEL\tROLE\tCREATED\tLAST USED\tEXPIRES")
			for _, t := range tokens {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.User, t.Label, orDash(string(t.Role)),
					t.CreatedAt.Format(time.DateOnly), dateOrDash(t.LastUsedAt), dateOrDash(t.ExpiresAt))
			}
			return w.Flush()
		}),
	}
	cmd.AddCommand(create, revoke, list)
	return cmd
}

// withAccounts opens the database for an account command.
func withAccounts(run func(*cobra.Command, []string, *auth.Accounts) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		st, err := openStore(cmd, store.Options{})
		if err != nil {
			return err
		}
		defer st.Close()
		return run(cmd, args, auth.New(auth.Config{Store: st}))
	}
}

// readPassword reads a password: at a terminal, asked for twice without
// echo; otherwise the first line of standard input.
func readPassword(cmd *cobra.Command, prompt string) (string, error) {
	in := cmd.InOrStdin()
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(cmd.ErrOrStderr(), prompt+": ")
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", err
		}
		fmt.Fprint(cmd.ErrOrStderr(), "Again: ")
		second, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", err
		}
		if string(first) != string(second) {
			return "", errors.New("the two passwords differ")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return "", errors.New("no password on standard input")
	}
	return password, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func dateOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.DateOnly)
}
