package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
)

// rootCommand assembles the command tree. Every flag also reads
// AFTERMATH_<FLAG> from the environment (dashes become underscores).
func rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "aftermath",
		Short:         "Incident post-mortems and root causes, in one binary",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			// What the command writes, the audit log records as the CLI's.
			cmd.SetContext(incident.WithActor(cmd.Context(), cliActor()))
			if err := bindEnvironment(cmd.Flags()); err != nil {
				return err
			}
			// Every command checks the log flags, so that a typo in one
			// (AFTERMATH_LOG_LEVEL=warning) is found when it is made, not
			// the day the server is started with it.
			_, err := newLogger(cmd)
			return err
		},
	}
	root.PersistentFlags().String("db", "aftermath.db", "database: a file path, sqlite://PATH or postgres://…")
	root.PersistentFlags().String("log-format", "json", "log format: json or text")
	root.PersistentFlags().String("log-level", "info", "log level: debug, info, warn, error")
	root.AddCommand(serveCommand(), migrateCommand(), seedCommand(), importCommand(), exportCommand(), backupCommand(), reportCommand(),
		userCommand(), tokenCommand(), auditCommand(), healthcheckCommand(), catalogCommand(), copyCommand())
	return root
}

// openStore opens the database the --db flag names, saying on the log
// what a long step of opening is doing.
func openStore(cmd *cobra.Command, opts store.Options) (*store.Store, error) {
	log, err := newLogger(cmd)
	if err != nil {
		return nil, err
	}
	opts.Log = log
	dsn, _ := cmd.Flags().GetString("db")
	return store.Open(cmd.Context(), dsn, opts)
}

// bindEnvironment fills every flag not given on the command line from
// AFTERMATH_<FLAG>, so the flags and the environment mean the same thing.
func bindEnvironment(flags *pflag.FlagSet) error {
	var err error
	flags.VisitAll(func(f *pflag.Flag) {
		if f.Changed || err != nil {
			return
		}
		name := "AFTERMATH_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if value, ok := os.LookupEnv(name); ok {
			if setErr := flags.Set(f.Name, value); setErr != nil {
				err = fmt.Errorf("%s=%q: %w", name, value, setErr)
			}
		}
	})
	return err
}

// cliActor is who the audit log says a CLI command's changes came from:
// the operating-system user who ran it, on this machine.
func cliActor() incident.Actor {
	a := incident.Actor{Kind: incident.ActorCLI, Address: "local"}
	if u, err := user.Current(); err == nil {
		a.Name = u.Username
	}
	return a
}

// newLogger builds the process logger from the log flags.
func newLogger(cmd *cobra.Command) (*slog.Logger, error) {
	format, _ := cmd.Flags().GetString("log-format")
	levelName, _ := cmd.Flags().GetString("log-level")
	var level slog.Level
	if err := level.UnmarshalText([]byte(levelName)); err != nil || !slices.Contains([]string{"debug", "info", "warn", "error"}, strings.ToLower(levelName)) {
		return nil, fmt.Errorf("--log-level must be debug, info, warn or error, not %q", levelName)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be json or text, not %q", format)
}
