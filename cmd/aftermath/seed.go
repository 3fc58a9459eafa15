package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/aftermath-sre/aftermath/internal/incident"
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
	cmd.Flags().String("truth", "", "also write the planted recurrences to this file, one JSON line each: "+
		`{"incident": ID, "repeats": ID, "after_fix": true|false}`)
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
	truth, _ := cmd.Flags().GetString("truth")
	st, err := openStore(cmd, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()

	start := time.Now()
	gen := seed.NewGenerator(randSeed, anchor)
	var modes *incident.Catalog
	if withModes, _ := cmd.Flags().GetBool("failure-modes"); withModes {
		modes = seed.FailureModes(anchor)
	}
	ids, err := writeSynthetic(cmd, st, gen, n, modes)
	elapsed := time.Since(start)
	if err != nil {
		return fmt.Errorf("after %d incidents: %w", len(ids), err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %d incidents in %s (%.0f incidents/s)\n",
		len(ids), elapsed.Round(time.Millisecond), float64(len(ids))/elapsed.Seconds())
	if truth != "" {
		if err := writeTruth(truth, gen.Recurrences(), ids); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "wrote %d planted recurrences to %s\n", len(gen.Recurrences()), truth)
	}
	return nil
}

// writeSynthetic writes n incidents from gen and returns their stored ids
// in the order generated. With a catalogue of failure modes (the seed's),
// it imports it first and links the incidents to its modes.
func writeSynthetic(cmd *cobra.Command, st *store.Store, gen *seed.Generator, n int, modes *incident.Catalog) ([]int64, error) {
	if err := st.DefineServices(cmd.Context(), seed.Services()); err != nil {
		return nil, err
	}
	if modes != nil {
		if _, err := st.ImportCatalog(cmd.Context(), modes); err != nil {
			return nil, err
		}
	}
	bar := newProgress(cmd, "seeding", "incidents")
	defer bar.finish()
	ids := make([]int64, 0, n)
	for len(ids) < n {
		batch := gen.Batch(min(seedBatch, n-len(ids)))
		if modes != nil {
			seed.LinkFailureModes(batch)
		}
		if err := st.CreateIncidents(cmd.Context(), batch); err != nil {
			return ids, err
		}
		for _, inc := range batch {
			ids = append(ids, inc.ID)
		}
		bar.set(len(ids), n)
	}
	return ids, nil
}

// truthLine is one planted recurrence with the stored ids.
type truthLine struct {
	Incident int64 `json:"incident"`
	Repeats  int64 `json:"repeats"`
	AfterFix bool  `json:"after_fix"`
}

// writeTruth writes the planted recurrences, the generator's positions
// turned into the ids the store gave the incidents.
func writeTruth(path string, planted []seed.Recurrence, ids []int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, r := range planted {
		line := truthLine{Incident: ids[r.Incident-1], Repeats: ids[r.Repeats-1], AfterFix: r.AfterFix}
		if err := enc.Encode(line); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
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
