package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"
)

// healthcheckCommand is `aftermath healthcheck`: what a container's
// HEALTHCHECK runs. It needs no shell and no other program (curl, wget,
// bash's /dev/tcp), which a slim image may lack.
func healthcheckCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Exit 0 if the server listening on --addr answers /healthz",
		Long: `Ask the server listening on --addr (the same flag, and AFTERMATH_ADDR, as
serve) for /healthz, over loopback when --addr names no host, and exit 0 if it
answers 200 within --timeout, 1 otherwise. The Dockerfile's HEALTHCHECK runs
it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			addr, _ := cmd.Flags().GetString("addr")
			timeout, _ := cmd.Flags().GetDuration("timeout")
			target, err := loopbackURL(addr)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, target+"/healthz", nil)
			if err != nil {
				return err
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return fmt.Errorf("unhealthy: %w", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("unhealthy: %s answered %s", target, resp.Status)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "healthy")
			return nil
		},
	}
	cmd.Flags().String("addr", ":8080", "the address the server listens on")
	cmd.Flags().Duration("timeout", 2*time.Second, "how long to wait for the answer")
	return cmd
}

// loopbackURL turns a listen address into the URL to reach it from the
// same machine: a missing or unspecified host (":8080", "0.0.0.0:8080",
// "[::]:8080") becomes the loopback address of its family.
func loopbackURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--addr %q: %w", addr, err)
	}
	switch ip := net.ParseIP(host); {
	case host == "" || (ip != nil && ip.To4() != nil && ip.IsUnspecified()):
		host = "127.0.0.1"
	case ip != nil && ip.IsUnspecified():
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}
