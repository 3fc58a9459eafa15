package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/aftermath-sre/aftermath/internal/report"
	"github.com/aftermath-sre/aftermath/internal/store"
)

// reportCommand is `aftermath report`: the pattern report, as a markdown
// review document or as the API's JSON.
func reportCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report [--since DATE] [--until DATE] [--service NAME] [--format md|json]",
		Short: "Pattern report: what keeps failing, why, and how fast it is noticed",
		Long: `Pattern report over the incidents that started in [--since, --until):
counts by service, severity, outage type, tag, cause, factor, gap, detection
method and month; time to detect, mitigate and resolve (median, p90); failures
that come back (near-identical causes or factors on a service or the services
it depends on); incidents that came back after a fix; hotspots (categories
well above a service's usual share); action items; incidents whose timestamps
are missing or inconsistent; and the findings a manager should look at first.

Dates are RFC 3339 or YYYY-MM-DD (midnight UTC); --until is exclusive, so a
March review is --since 2025-03-01 --until 2025-04-01.`,
		Args: cobra.NoArgs,
		RunE: runReport,
	}
	f := cmd.Flags()
	f.String("since", "", "first start time included (RFC 3339 or YYYY-MM-DD)")
	f.String("until", "", "start times before this are included (RFC 3339 or YYYY-MM-DD)")
	f.String("service", "", "only this service (name or key)")
	f.String("format", "md", "output format: md or json")
	return cmd
}

func runReport(cmd *cobra.Command, _ []string) error {
	format, _ := cmd.Flags().GetString("format")
	if format != "md" && format != "json" {
		return fmt.Errorf("--format must be md or json, not %q", format)
	}
	params := report.Params{Now: time.Now()}
	for name, dst := range map[string]**time.Time{"since": &params.Since, "until": &params.Until} {
		raw, _ := cmd.Flags().GetString(name)
		if raw == "" {
			continue
		}
		t, ok := report.ParseBound(raw)
		if !ok {
			return fmt.Errorf("--%s must be RFC 3339 (2025-03-14T15:02:00Z) or a date (2025-03-14), not %q", name, raw)
		}
		*dst = &t
	}
	params.Service, _ = cmd.Flags().GetString("service")
	paceCollector()

	st, err := openStore(cmd, store.Options{MustExist: true})
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := report.Build(cmd.Context(), st, params)
	if err != nil {
		return err // main describes a domain error with its fields
	}
	out := cmd.OutOrStdout()
	if format == "json" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return report.WriteMarkdown(out, r)
}
