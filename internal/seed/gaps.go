package seed

import "github.com/aftermath-sre/aftermath/internal/incident"

// gapKind is the generated content for one detection-gap category.
type gapKind struct {
	slug     string
	weight   float64
	kind     incident.ActionKind // kind of the action item that closes it
	owner    string              // "" = the service's team
	findings []finding
}

// gapKinds covers every slug of incident.DefaultGapCategories.
var gapKinds = []gapKind{
	{
		slug: "alert-threshold", weight: 22, kind: incident.ActionDetect, owner: teamObservability,
		findings: []finding{
			find("The error-rate alert for the {comp} fires at {m}%, well above the level users noticed.", "Lower the {comp} error-rate alert threshold to match the SLO"),
			find("Latency alerts for {svc} use the median, which hid the slow tail.", "Alert on p99 latency for {svc}"),
			find("The alert threshold had been raised during a noisy week and never lowered again.", "Review {svc} alert thresholds against the SLO"),
		},
	},
	{
		slug: "alert-window", weight: 12, kind: incident.ActionDetect, owner: teamObservability,
		findings: []finding{
			find("The alert evaluates over {n} minutes, longer than it took the {comp} to fail.", "Shorten the {comp} alert window to one minute"),
			find("Utilisation went from {m}% to 100% faster than the alert evaluation window.", "Alert on the rate of change, not only on a high-water mark"),
			find("The alert needed {n} consecutive failing checks before it paged anyone.", "Page on the first failing check seen from two regions"),
		},
	},
	{
		slug: "missing-monitoring", weight: 22, kind: incident.ActionDetect,
		findings: []finding{
			find("There was no monitoring on calls from the {comp} to {dep}.", "Monitor calls from the {comp} to {dep}"),
			find("Nothing measured `{key}` in production.", "Export `{key}` as a metric and add it to the {svc} dashboard"),
			find("Synthetic checks covered the home page but not the {comp}.", "Add a synthetic check for the {comp} path"),
		},
	},
	{
		slug: "missing-test", weight: 15, kind: incident.ActionDetect, owner: teamQA,
		findings: []finding{
			find("No test covered the failing path in the {comp}.", "Add an integration test for the {comp} failure path"),
			find("Integration tests mocked {dep}, so the change in its behaviour went unnoticed.", "Run contract tests against {dep}"),
			find("The change had no automated validation before it reached production.", "Add validation tests to the {svc} pipeline"),
		},
	},
	{
		slug: "staging-parity", weight: 12, kind: incident.ActionDetect, owner: teamQA,
		findings: []finding{
			find("Staging runs with a fraction of production data, so the slow path was fast there.", "Seed staging with production-sized data for the {comp}"),
			find("Load testing in staging doesn't simulate traffic spikes of this shape.", "Replay production-shaped traffic in staging load tests"),
			find("Staging uses a different {dep} setup than production.", "Align the staging {dep} setup with production"),
		},
	},
	{
		slug: "noisy-alerts", weight: 7, kind: incident.ActionDetect, owner: teamSRE,
		findings: []finding{
			find("The alert fired but was lost among {n} other alerts that hour.", "Fix or remove the noisiest {svc} alerts"),
			find("The on-call had muted the channel because the alert flaps daily.", "Fix the flapping {comp} alert and unmute the channel"),
			find("The page was auto-acknowledged by a rule meant for a known flaky check.", "Review auto-acknowledge rules for {svc}"),
		},
	},
	{
		slug: "runbook", weight: 7, kind: incident.ActionMitigate,
		findings: []finding{
			find("The runbook for the {comp} did not cover this failure mode.", "Write a runbook for {comp} failures"),
			find("The runbook linked from the alert was out of date.", "Link the current runbook from every {svc} alert"),
			find("The on-call could not find out who owned the {comp}.", "Record ownership of the {comp} in the service catalogue"),
		},
	},
	{
		slug: "unknown", weight: 3, kind: incident.ActionDetect, owner: teamSRE,
		findings: []finding{
			find("It is unclear why existing alerts did not fire.", "Investigate why {svc} alerts did not fire"),
			find("We have not determined why detection took {ttd}.", "Investigate why detection of the {comp} failure was slow"),
		},
	},
}

// Action items that do not come from a cause, factor or gap.
var (
	mitigateItems = compileAll(
		"Add a kill switch for the {comp}",
		"Document a fast rollback path for {svc}",
		"Add a read-only mode to the {comp}",
		"Enable load shedding on the {comp}",
		"Keep spare capacity for {svc} in {region}",
		"Automate failover of the {comp}",
	)
	processItems = compileAll(
		"Review this incident with the {team} in the weekly operations meeting",
		"Announce {svc} config changes in the change channel",
		"Add {svc} changes to the shared change calendar",
		"Add this incident to on-call training",
		"Run a game day on {comp} failure",
		"Tell support how to recognise {svc} outages early",
		"Update the {svc} status page templates",
	)
)

var gapWeights weights

func init() {
	w := make([]float64, len(gapKinds))
	for i, k := range gapKinds {
		w[i] = k.weight
	}
	gapWeights = newWeights(w...)
}
