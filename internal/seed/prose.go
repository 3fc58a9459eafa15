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
	"{Roughly|About|Nearly} {pct}% of {requests|calls} to {svc} {failed|errored} before the first responder {joined|got online|was on the call}.",
	"{Queues|Backlogs|Work queues} behind the {comp} {backed up|grew|filled}, and `{queue}` took {m} minutes to {drain|empty|catch up} after recovery.",
	"Clients retried {aggressively|hard|without pause}, which roughly {doubled|multiplied} the {load|pressure} while the {comp} was {struggling|degraded|recovering}.",
	"{Customers|Users|Shoppers} in {region} were hit first because their {traffic|usage|activity} peaks earlier in the day.",
	"Some writes to `{table}` had to be {replayed|reapplied|re-run} by hand once {the service|everything|traffic} was healthy again.",
	"Downstream services saw {elevated|higher|rising} latency as their calls to {svc} {piled up|queued|backed up}.",
	"The on-call rotation had changed that morning, and the new responder had not worked on the {comp} before.",
	"Error budgets for {svc} were already {low|thin|nearly spent} after an incident earlier in the month.",
	"The first status page update went out {m} minutes after impact {began|started}.",
	"Support agents had no {internal note|macro|prepared answer} to point customers to for the first half hour.",
	"Mobile clients cached the errors and kept showing them until users restarted the app.",
	"Dashboards for the {comp} lagged by several minutes, which slowed down {confirming|verifying|checking} recovery.",
	"{Partners|Integrators|API clients} calling `{endpoint}` {opened|filed|raised} {n} support tickets {in|within} the first hour.",
	"The `{job}` job {missed|skipped} its {run|window} and had to be {re-run|restarted} by hand {afterwards|later that day}.",
	"{Finance|Accounting|The finance team} had to reconcile {n} {orders|transactions|payments} by hand the next morning.",
	"{Alerts|Pages} from {dep} {drowned|buried|hid} the first signal from the {comp} for {m} minutes.",
	"{Several|A few|Some} enterprise {customers|tenants} {asked|escalated|wrote} for a written incident report the same day.",
	"The {comp} needed a {cold|slow|full} cache warm-up of {m} minutes after the {fix|recovery|rollback}.",
	"Traffic to `{endpoint}` {stayed|remained} {elevated|high} for {m} minutes as clients {caught up|worked through their backlog}.",
	"A {replay|backfill|re-drive} of `{queue}` {duplicated|doubled|re-sent} {n} {events|messages} that consumers had to {deduplicate|filter out}.",
)

// causeContext are sentences of circumstance a cause description may add,
// whatever its category.
var causeContext = compileAll(
	"The {comp} was running {ver} at the {time|moment}.",
	"It began {n} minutes after a routine deploy of an unrelated service.",
	"Traffic in {region} was {close to|near} its daily peak.",
	"The on-call engineer had been paged {n} times earlier that week.",
	"A load test against the {comp} had passed {n} days earlier.",
	"Dashboards for the {comp} showed nothing unusual in the hour before.",
	"At the worst point about {pct}% of the {comp} fleet was affected.",
	"The incident overlapped with a planned maintenance window in {region}.",
	"Engineers first suspected {dep}, which cost {m} minutes.",
	"The {team} was in the middle of moving the {comp} to new hardware.",
	"`{pod}` {degraded|failed} first; the other instances followed within {m} minutes.",
	"The failure {started|began} during a shift handover.",
	"A change freeze for the holiday season was in place.",
	"Capacity in {region} had been reduced by {pct}% in a cost review.",
	"{Half|Most|Part} of the {team} was {at an offsite|travelling|out for a company event} that day.",
	"The `{job}` job {had just started|was halfway through|had finished minutes earlier} when {errors|failures} began.",
	"A {partner|large customer|marketplace seller} was running a {bulk import|migration|batch upload} through `{endpoint}` at the time.",
	"{Two|Three} unrelated alerts {for|about} {dep} {were already open|had fired that hour}.",
	"The {comp} had been {upgraded|resized|rebalanced} {n} days earlier without {issues|problems|incident}.",
	"Incident response was led from {region}, {outside|well outside} {its|the team's} working hours.",
	"The {staging|pre-production|test} environment for the {comp} was {down|broken|unavailable} that week, so {nothing|no change} had been {rehearsed|tried} there.",
	"Logs for `{pod}` were {rotated|truncated|lost} before anyone {copied|saved|kept} them.",
	"The {comp} dashboards had been {reorganised|moved|renamed} the week before, and the on-call {used|opened} an old one.",
	"A {new|recent} hire was shadowing the on-call {engineer|responder} for the first time.",
)

// evidence quotes what the logs said, naming the pod.
var evidence = compileAll(
	"{Logs from|Errors on|Traces from} `{pod}` {showed|were full of|kept reporting} `{err}`.",
	"The first {error|failure} {logged|recorded|reported} was `{err}` on `{pod}`.",
	"`{pod}` {logged|reported|returned} `{err}` {thousands of times|repeatedly|in a tight loop} before {anyone|the on-call} {looked|noticed}.",
	"{A search|A query|Grepping} {of|through} the {comp} logs {turned up|found|showed} `{err}` {from|on} `{pod}` {first|before anything else}.",
	"`{err}` {filled|flooded|dominated} the {logs|error tracker|log stream} of `{pod}` {within|after} {m} minutes.",
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
