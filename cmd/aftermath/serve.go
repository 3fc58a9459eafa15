package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/web"
)

// shutdownGrace is how long requests in flight may take to finish after
// SIGTERM or SIGINT.
const shutdownGrace = 8 * time.Second

func serveCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Migrate the database, then serve the web UI and the API",
		Args:  cobra.NoArgs,
		RunE:  runServe,
	}
	cmd.Flags().String("addr", ":8080", "address to listen on")
	cmd.Flags().Bool("demo", false, "load the example incidents into an empty database")
	return cmd
}

func runServe(cmd *cobra.Command, _ []string) error {
	log, err := newLogger(cmd)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	dsn, _ := cmd.Flags().GetString("db")
	st, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()

	if demo, _ := cmd.Flags().GetBool("demo"); demo {
		loaded, err := loadDemo(ctx, st)
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		log.Info("demo data", "incidents_loaded", loaded)
	}

	addr, _ := cmd.Flags().GetString("addr")
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           web.New(web.Config{Store: st, Logger: log}),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute, // an export of every incident takes a while
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("serving", "addr", listener.Addr().String(), "db", st.Path())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(listener) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// Stop accepting, let requests in flight finish, then close the database
	// (the deferred Close) so the WAL is checkpointed.
	log.Info("shutting down", "grace", shutdownGrace.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("shutdown", "error", err.Error())
	}
	log.Info("stopped")
	return nil
}
