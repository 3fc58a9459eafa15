package seed

// symptom is how an incident looked from outside: in title case, in running
// text, and as a noun phrase with its article.
type symptom struct{ title, text, phrase string }

var symptoms = []symptom{
	{"Elevated 5xx", "elevated 5xx", "elevated 5xx errors"},
	{"Latency spike", "latency spike", "a latency spike"},
	{"Elevated error rate", "elevated error rate", "an elevated error rate"},
	{"Intermittent errors", "intermittent errors", "intermittent errors"},
	{"Degraded performance", "degraded performance", "degraded performance"},
	{"Timeouts", "timeouts", "timeouts"},
	{"Failed requests", "failed requests", "failed requests"},
	{"Partial outage", "partial outage", "a partial outage"},
}

// fullOutage is used for global SEV1/SEV2 incidents.
var fullOutage = symptom{"Full outage", "full outage", "a full outage"}

// Title templates. The ones that need a trigger or a cause are only used
// when the incident has one; see Generator.title.
var (
	titleWithTrigger = compileAll(
		"{Sym} on {svc} after {trig}",
		"{Sym} on {svc} {comp} after {trig}",
	)
	titleWithCause = compileAll(
		"{svc} {sym}: {short}",
		"{Sym} on {svc}: {short}",
		"{svc} {comp} {sym}: {short}",
		"{svc}: {short}",
	)
	titleRegional = compileAll(
		"{Sym} for {svc} in {region}",
		"{svc} degraded in {region}: {short}",
	)
	titleOpen = compileAll(
		"{Sym} on {svc}",
		"Investigating {sym} on {svc} {comp}",
		"{svc} {sym} under investigation",
	)
)

// Impact descriptions by the incident's main outage type.
var (
	impactPartial = compileAll(
		"About {pct}% of requests to {svc} failed or timed out for {dur}; users could not reliably {action}.",
		"A share of users, roughly {pct}%, could not {action} for {dur}. Retries usually succeeded.",
		"Requests through the {comp} were slow or failed for {dur}; about {pct}% of users were unable to {action}.",
	)
	impactRegional = compileAll(
		"Users served from {region} could not {action} for {dur}. Other regions were unaffected.",
		"{svc} was degraded in {region} for {dur}: about {pct}% of requests there failed, and users could not reliably {action}.",
	)
	impactGlobal = compileAll(
		"{svc} was unavailable in every region for {dur}; users could not {action}.",
		"All users were affected for {dur}: {svc} failed about {pct}% of requests worldwide and users could not {action}.",
	)
	impactCascading = compile(" Failures spread to services that depend on {svc}, which saw elevated errors of their own.")
)

// consequences end a cause description with what the failure led to. They
// are independent of the category, so two causes of one category read alike
// only when mechanism, detail and consequence all match (or when one is a
// deliberate recurrence of the other).
var consequences = compileAll(
	"{Roughly|About|Nearly} {pct}% of {requests|calls} to {svc} {failed|errored} before the first responder {joined|got online}.",
	"{Queues|Backlogs} behind the {comp} {backed up|grew}, and `{queue}` took {m} minutes to drain after recovery.",
	"Clients retried {aggressively|hard|without pause}, which roughly doubled the {load|pressure} while the {comp} was struggling.",
	"Customers in {region} were hit first because their {traffic|usage} peaks earlier in the day.",
	"Some writes to `{table}` had to be {replayed|reapplied} by hand once the service was healthy again.",
	"Downstream services saw {elevated|higher} latency as their calls to {svc} {piled up|queued}.",
	"The on-call rotation had changed that morning, and the new responder had not worked on the {comp} before.",
	"Error budgets for {svc} were already {low|thin|nearly spent} after an incident earlier in the month.",
	"The first status page update went out {m} minutes after impact {began|started}.",
	"Support agents had no internal note to point customers to for the first half hour.",
	"Mobile clients cached the errors and kept showing them until users restarted the app.",
	"Dashboards for the {comp} lagged by several minutes, which slowed down {confirming|verifying} recovery.",
)

// evidence quotes what the logs said, naming the pod.
var evidence = compileAll(
	"{Logs from|Errors on|Traces from} `{pod}` {showed|were full of|kept reporting} `{err}`.",
	"The first {error|failure} {logged|recorded|reported} was `{err}` on `{pod}`.",
	"`{pod}` {logged|reported|returned} `{err}` {thousands of times|repeatedly|in a tight loop} before {anyone|the on-call} {looked|noticed}.",
)

// observation is one bullet of "What we saw" with its own figure.
type observation struct {
	text   tmpl
	lo, hi int
}

// Description building blocks.
var (
	descOpeners = compileAll(
		"{svc} {does}. On {date} the {comp} began returning errors, and users could not reliably {action} for {dur}.",
		"{svc} {does}. This post-mortem covers {symNP} in the {comp} that lasted {dur}.",
		"On {date}, {symNP} on {svc} meant users could not {action} for {dur}. {svc} {does}.",
	)
	descOpenUnknown = compileAll(
		"The investigation is still under way; this section will describe the cause once it is known.",
		"We do not know the cause yet. The {team} is investigating and will update this write-up.",
	)
	descObservationsHeader = "What we saw:\n\n"
	// descObservations each draw a fresh {x} in [lo, hi].
	descObservations = []observation{
		{compile("- Error rate on the {comp} peaked at {pct}%."), 0, 0},
		{compile("- p99 latency reached {x} seconds."), 2, 60},
		{compile("- {x} alerts fired across dependent services."), 3, 80},
		{compile("- Support received {x} tickets during the incident."), 5, 900},
		{compile("- The orchestrator restarted {x} instances."), 2, 120},
		{compile("- Queue depth on `{queue}` grew to {x} thousand messages."), 10, 950},
	}
	descClosings = compileAll(
		"Follow-up work is tracked in the action items below.",
		"The timeline was reconstructed from chat logs and dashboards; times are in UTC.",
		"This write-up was reviewed with the {team}.",
		"Thanks to everyone who joined the incident call.",
	)
)

// Timeline texts by entry kind.
var (
	tlImpact = compileAll(
		"Error rate on {svc} begins to climb.",
		"Latency of the {comp} rises sharply.",
		"First failed requests on the {comp}.",
		"Impact begins: requests to {svc} start failing.",
	)
	// tlDetection is indexed like incident.DetectionMethods.
	tlDetection = [...][]tmpl{
		compileAll("Alert fires for {svc} error rate; on-call paged.", "Latency alert for the {comp} pages the on-call."),
		compileAll("Support escalates a surge of customer reports about {svc}.", "A customer reports failures on {svc} through the support chat."),
		compileAll("An engineer notices errors on the {svc} dashboard.", "Staff report that they cannot {action}."),
		compileAll("Synthetic test for the {comp} fails.", "Post-deploy smoke test on {svc} fails."),
		compileAll("External uptime monitor reports {svc} failing.", "Third-party monitor flags {svc} as degraded."),
		compileAll("Incident opened for {svc}."),
	}
	tlEscalation = compileAll(
		"Incident declared; the {team} joins the call.",
		"Severity set to {sev}; incident commander assigned.",
		"The {team} on-call is paged for the {comp}.",
	)
	tlDiagnosis = compileAll(
		"Cause identified: {short}.",
		"Errors correlated with the {trig}.",
		"Dashboards point at the {comp}.",
	)
	tlUpdate = compileAll(
		"Status page updated.",
		"Customer support briefed with a holding statement.",
		"Stakeholder update posted in the incident channel.",
	)
	tlMitigationGeneric = compileAll("Mitigation applied; error rate back to normal.")
	tlResolution        = compileAll(
		"Permanent fix deployed; incident resolved.",
		"Monitoring confirms recovery; incident closed.",
		"Fix verified over several hours of normal traffic; incident resolved.",
	)
)

// Lessons learned.
var (
	lessonsWell = compileAll(
		"The on-call engineer found the cause within minutes of being paged.",
		"Rollback worked as documented.",
		"Support was told early and the status page was updated quickly.",
		"The incident channel stayed focused and decisions were written down as they were made.",
		"A feature flag let us turn off the failing path without a deploy.",
		"Regional isolation kept the other regions healthy.",
		"Escalation to the {team} was fast.",
	)
	lessonsWrong = compileAll(
		"Customers noticed before our monitoring did.",
		"It took a while to find the right dashboard.",
		"The runbook was out of date.",
		"Several people chased the same lead without coordinating.",
		"The first rollback attempt failed.",
		"Alerts fired but were routed to the wrong team.",
		"Nobody was sure who owned the {comp}.",
	)
	lessonsLucky = compileAll(
		"It happened during business hours, with the whole team available.",
		"Traffic was near its weekly low when the failure began.",
		"An engineer happened to be watching the dashboards after an unrelated deploy.",
		"The bad change had only reached one region.",
		"No data was lost because clients retried their writes.",
	)
)

// Tags added regardless of cause.
var generalTags = []string{"customer-facing", "on-call", "postmortem-review", "sla-breach", "weekend", "data-integrity", "capacity-planning", "observability"}

// Timeline entry kinds.
const (
	kindImpact     = "impact"
	kindDetection  = "detection"
	kindEscalation = "escalation"
	kindDiagnosis  = "diagnosis"
	kindUpdate     = "update"
	kindMitigation = "mitigation"
	kindResolution = "resolution"
)

// addresses references, precomputed for the indexes used.
var (
	factorRefs = []string{"contributing_factors[0]", "contributing_factors[1]", "contributing_factors[2]"}
	gapRefs    = []string{"detection_gaps[0]", "detection_gaps[1]", "detection_gaps[2]"}
)
