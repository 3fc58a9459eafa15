package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/aftermath-sre/aftermath/internal/seed"
	"github.com/aftermath-sre/aftermath/internal/store"
)

// seedBatch is how many incidents go in one transaction: large enough that
// commits are rare, small enough that a reader never waits long.
const seedBatch = 1000

func seedCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "seed --synthetic N",
		Short: "Write N realistic synthetic incidents, for demos and benchmarks",
		Args:  cobra.NoArgs,
		RunE:  runSeed,
	}
	cmd.Flags().Int("synthetic", 0, "how many incidents to write (required)")
	cmd.Flags().Uint64("rand-seed", 1, "random seed: the same seed and anchor give the same incidents")
	cmd.Flags().String("anchor", "", "the incidents end before this date (YYYY-MM-DD); default today (UTC)")
	cmd.Flags().Bool("failure-modes", true, "also import failure modes for the synthetic services and link the incidents whose cause matches one")
	return cmd
}

func runSeed(cmd *cobra.Command, _ []string) error {
	n, _ := cmd.Flags().GetInt("synthetic")
	if n <= 0 {
		return fmt.Errorf("--synthetic must be a positive number of incidents")
	}
	randSeed, _ := cmd.Flags().GetUint64("rand-seed")
	anchor, err := seedAnchor(cmd)
	if err != nil {
		return err
	}
	dsn, _ := cmd.Flags().GetString("db")
	st, err := store.Open(cmd.Context(), dsn, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()

	start := time.Now()
	written, err := writeSynthetic(cmd, st, n, randSeed, anchor)
	elapsed := time.Since(start)
	if err != nil {
		return fmt.Errorf("after %d incidents: %w", written, err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %d incidents in %s (%.0f incidents/s)\n",
		written, elapsed.Round(time.Millisecond), float64(written)/elapsed.Seconds())
	return nil
}

func writeSynthetic(cmd *cobra.Command, st *store.Store, n int, randSeed uint64, anchor time.Time) (int, error) {
	if err := st.DefineServices(cmd.Context(), seed.Services()); err != nil {
		return 0, err
	}
	withModes, _ := cmd.Flags().GetBool("failure-modes")
	if withModes {
		if _, err := st.ImportCatalog(cmd.Context(), seed.FailureModes(anchor)); err != nil {
			return 0, err
		}
	}
	gen := seed.NewGenerator(randSeed, anchor)
	bar := newProgress(cmd, "seeding", "incidents")
	defer bar.finish()
	written := 0
	for written < n {
		batch := gen.Batch(min(seedBatch, n-written))
		if withModes {
			seed.LinkFailureModes(batch)
		}
		if err := st.CreateIncidents(cmd.Context(), batch); err != nil {
			return written, err
		}
		written += len(batch)
		bar.set(written, n)
	}
	return written, nil
}

func seedAnchor(cmd *cobra.Command) (time.Time, error) {
	raw, _ := cmd.Flags().GetString("anchor")
	if raw == "" {
		return time.Now().UTC().Truncate(24 * time.Hour), nil
	}
	t, err := time.Parse(time.DateOnly, raw)
	if err != nil {
		return time.Time{}, fmt.Errorf("--anchor must be a date as YYYY-MM-DD")
	}
	return t, nil
}
