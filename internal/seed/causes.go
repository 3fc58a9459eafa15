package seed

// mechanism is one way a cause category plays out: a short phrase for titles
// and timelines, the sentence that opens the cause description, and the
// preventive fix that answers it.
type mechanism struct {
	short string
	text  tmpl
	fix   tmpl
}

// finding is a contributing factor or detection gap and the action item
// that addresses it.
type finding struct {
	desc   tmpl
	action tmpl
}

// trigger is what set an incident off: the text for Cause.Trigger and a
// short phrase for titles ("after config push").
type trigger struct {
	text  tmpl
	short string
}

// causeKind is the generated content for one cause category.
type causeKind struct {
	slug         string
	weight       float64 // share as primary cause
	factorWeight float64 // share as contributing factor
	owner        string  // team that often owns prevention; "" = the service's team
	mechanisms   []mechanism
	mechTriggers []int  // by mechanism: the trigger that fits it, or -1
	details      []tmpl // second sentence of the description
	triggers     []trigger
	factors      []finding // when this category contributes
	prevents     []tmpl    // broader preventive items for the category
	mitigations  []tmpl    // timeline text for the mitigation step
	errors       []string  // log lines typical of the category
	tags         []string
}

func mech(short, text, fix string) mechanism {
	return mechanism{short: short, text: compile(text), fix: compile(fix)}
}
func trig(text, short string) trigger { return trigger{text: compile(text), short: short} }
func find(desc, action string) finding {
	return finding{desc: compile(desc), action: compile(action)}
}

// causeKinds covers every slug of incident.DefaultCauseCategories; the
// weights put config-change, deployment and software-bug first. Wording
// alternatives ({a|b}) vary per incident, so unrelated incidents of one
// category rarely read alike, while a recurrence keeps its wording.
var causeKinds = []causeKind{
	{
		slug: "config-change", weight: 20, factorWeight: 10,
		mechanisms: []mechanism{
			mech("bad config push",
				"{A|One} {configuration|config|settings} {change|update|edit} to `{key}` on the {comp} was {rolled out|pushed|applied|shipped} {to every region at once|everywhere in one step|to all regions together} and set a value the {service|process|code} could not {handle|cope with|parse}; {requests|calls} to `{endpoint}` {began|started} {failing|erroring|to fail} within {n} minutes of the {push|rollout|change}.",
				"Roll out {comp} config changes region by region"),
			mech("timeout set too low",
				"The {upstream|outbound|client} timeout `{key}` of the {comp} was {lowered|cut|reduced|dropped} to {n} seconds in a {routine|scheduled|small|minor} {config|configuration|settings} {change|update}, {below|under|shorter than} the p99 latency of `{endpoint}`, so {pct}% of {requests|calls} {timed out|hit the deadline|were abandoned}.",
				"Reject timeouts below upstream p99 in the {comp} config check"),
			mech("feature flag enabled for all traffic",
				"The `{flag}` {feature flag|flag|toggle} was {enabled|switched on|turned on|flipped} for {all|every bit of|the whole of} {traffic|request volume|the traffic} {instead of|rather than} the {intended|planned|agreed} {pct}%, {sending|routing|pushing} every {request|call} to `{endpoint}` {through|down|along} an {untested|unexercised|new} code path in the {comp}.",
				"Require a staged percentage rollout for `{flag}` and similar flags"),
			mech("invalid config rejected on reload",
				"A {malformed|broken|mistyped|truncated} `{key}` {entry|value|line} in the {comp} {configuration|config|settings} for `{endpoint}` was {accepted|validated|approved} by the config {service|pipeline|tooling} but {rejected|refused} on {reload|restart|hot reload}, {leaving|which left} {n} {instances|pods|replicas} {without a valid config|with no usable config|unconfigured} and {out of|dropped from|removed from} the load balancer.",
				"Validate {comp} config with the service's own parser before publishing"),
			mech("rate limit set too low",
				"A rate-limit {change|update|edit} on the {comp} {lowered|cut|dropped} `{key}` to {n} requests per second per {client|tenant|API key}, which {throttled|blocked|rejected} {legitimate|normal|paying} {traffic|requests} to `{endpoint}` from the {largest|biggest|busiest} {customers|merchants|tenants}.",
				"Simulate rate-limit changes against last week's traffic before applying"),
			mech("routing rule pointed at drained pool",
				"An {edited|updated|rewritten|new} routing rule for the {comp} sent {pct}% of {traffic|requests} for `{endpoint}` to a {pool|cluster|backend group} in {region} that had been {drained|emptied|taken out} for {maintenance|an upgrade|a migration}, as `{key}` still listed it.",
				"Refuse routing rules that target drained pools"),
		},
		mechTriggers: []int{0, 2, 1, 0, 2, 2},
		details: compileAll(
			"The {change|edit} passed {review|code review} because the diff looked like a one-line {tweak|fix|adjustment}, and config rollouts have no canary {stage|step}.",
			"Rolling `{key}` back {restored|fixed|recovered} {service|things|the service}, but {instances|pods} had to be restarted one by one to pick it up, which took {m} minutes.",
			"The config was {pushed|applied|published} outside a deploy, so it did not {appear|show up} in the deploy log that the on-call {checked|looked at|opened} first.",
			"Validation in the config service only checks the schema, not whether a value is {sensible|safe|reasonable} for production {traffic|load}.",
			"The same value had been {tested|tried|run} in staging, where {traffic|load} is a {small|tiny} fraction of production.",
			"{Nobody|No one} {on|in} the {team} {knew|remembered} that `{key}` {also|additionally} {governs|controls|affects} `{endpoint}`.",
		),
		triggers: []trigger{
			trig("Config push to `{key}`", "config push"),
			trig("Feature flag `{flag}` rollout", "flag rollout"),
			trig("Routine configuration change to the {comp}", "config change"),
		},
		factors: []finding{
			find("A {config|configuration} {change|update|edit} {earlier the same day|that morning|the day before} had left `{key}` {at|on} a non-default value, {and|so} `{endpoint}` {was already|had been} running {hot|close to its limits|degraded}.", "Alert when `{key}` drifts from its reviewed value"),
			find("The {config|configuration} rollout {skipped|bypassed|ignored} the staged canary for `{key}` and {reached|hit} {all regions|every region} {together|at once}, {including|with} the {pool|cluster} serving `{endpoint}`.", "Add a canary stage to config rollouts for {svc}"),
			find("{Nobody|No team} owned the shared {configuration|config|settings} file {holding|with} `{key}`, so the change was not {reviewed|checked|looked at} by the owners of `{endpoint}`.", "Require review from the owning team for {comp} config changes"),
			find("The {comp} {reads|loads} `{key}` {only|just} at {start-up|boot}, so {the corrected value|the rollback} {needed|required} a {full|rolling} restart {while|as} `{queue}` {kept growing|backed up}.", "Reload `{key}` in the {comp} without a restart"),
		},
		prevents:    compileAll("Add a canary stage to config rollouts for {svc}", "Make config rollbacks for {svc} a single command"),
		mitigations: compileAll("Config change reverted; error rate recovering.", "`{key}` restored to its previous value and instances restarted.", "Previous configuration re-published to all regions."),
		errors:      []string{"config reload failed: invalid value", "upstream request timeout", "429 Too Many Requests", "no healthy upstream", "unknown configuration key", "route not found"},
		tags:        []string{"config", "feature-flags", "rollout"},
	},
	{
		slug: "deployment", weight: 18, factorWeight: 9, owner: "release-eng",
		mechanisms: []mechanism{
			mech("bad deploy",
				"Release {ver} of the {comp} {shipped|introduced|contained|carried} a regression {in|on} `{endpoint}` {behind|under} the `{flag}` flag that {failed|broke} {pct}% of {requests|calls}; the {rollout|deploy} {reached|hit|got to} every {instance|pod|node} before {errors|failures} crossed the alert threshold.",
				"Gate {svc} deploys on canary error rate"),
			mech("incompatible schema migration",
				"The {ver} {deploy|release} ran a schema migration on `{table}` that the previous release could not {read|handle|parse}, so {instances|pods|workers} {still on|left on|running} the old version {failed|crashed|errored} {on|when serving} `{endpoint}` during the rolling {update|upgrade}.",
				"Make schema migrations on `{table}` backward compatible for one release"),
			mech("broken build artifact",
				"The {ver} {build|image|artifact} of the {comp} was {packaged|shipped|built} without the {client library|SDK|runtime dependency} for {dep} that `{endpoint}` needs to read `{table}`; new {instances|pods|containers} {crashed|died|exited} on start and the rollout kept {replacing|killing|evicting} healthy ones.",
				"Smoke-test the {comp} image before the rollout starts"),
			mech("rollout drained capacity",
				"The {deploy|rollout|release} of {ver} restarted {n} {instances|pods|replicas} of the {comp} at once, more than the remaining capacity {could absorb|could handle|could carry} at peak {traffic|load} on `{endpoint}`, {as|because} `{key}` {allowed|permitted} it.",
				"Cap {comp} rollouts at 10% of instances at a time"),
			mech("hotfix skipped canary",
				"A hotfix ({ver}) for the {comp} went out with the canary {step|stage} {skipped|bypassed}, and it {contained|included|carried} a serialization change {to|in} the `{queue}` {messages|payload|events} that broke {clients|consumers|readers} of {svc} {on|behind} `{endpoint}`.",
				"Remove the option to skip the canary for {svc} hotfixes"),
		},
		mechTriggers: []int{0, 2, 0, 2, 1},
		details: compileAll(
			"Automatic rollback was configured but keyed on a health check {that kept passing|that kept reporting green|on /healthz, which stayed green}.",
			"The deploy went out late in the day, with fewer {reviewers|engineers|people} around than usual.",
			"Rolling back took {m} minutes because the pipeline {rebuilt|recompiled|re-ran} the previous image from scratch.",
			"The change had been {tested|verified|checked} in staging, where `{table}` is much smaller than in production.",
			"The release notes for {ver} did not {mention|list|flag} the change to `{endpoint}`.",
		),
		triggers: []trigger{
			trig("Deploy of the {comp} {ver}", "deploy"),
			trig("Hotfix release {ver}", "hotfix"),
			trig("Rolling update to {ver}", "rollout"),
		},
		factors: []finding{
			find("The {ver} release bundled {n} unrelated changes, {among them|including} {a rewrite|a refactor} of `{table}` {access|queries} and {a new|an updated} `{endpoint}` handler, which slowed down {finding|isolating} the bad one.", "Ship {svc} changes in smaller releases"),
			find("The {deploy|release} pipeline does not pause between regions {when|even when} `{endpoint}` {errors|starts failing}, {and|so} the `{flag}` {code path|change} {reached|hit} every region.", "Pause {svc} rollouts between regions on elevated errors"),
			find("{Slower than expected|Degraded|Poor} query performance {on|against} `{table}` {due to|because of|from} indexes dropped in the {ver} deployment {slowed|stalled} `{job}`.", "Restore the indexes dropped in {ver} and add a migration check"),
			find("The canary {only|just} received {traffic|requests} for `{endpoint}`, {not|never} the `{queue}` {consumer|worker} path that {broke|failed}.", "Send representative traffic to {comp} canaries"),
		},
		prevents:    compileAll("Keep the previous {svc} image warm for fast rollback", "Roll out the {comp} region by region with an automatic pause on errors"),
		mitigations: compileAll("Rolled back to the previous release; errors stop.", "Deploy halted and the {comp} pinned to the last good version.", "Traffic shifted away from instances running {ver}."),
		errors:      []string{"CrashLoopBackOff", "ClassNotFoundException", "column does not exist", "failed to decode response: unknown field", "exec format error", "ImagePullBackOff"},
		tags:        []string{"deploy", "release", "rollback"},
	},
	{
		slug: "software-bug", weight: 16, factorWeight: 10,
		mechanisms: []mechanism{
			mech("retry storm",
				"A bug in the retry {logic|loop|handling} of the {comp} retried failed {calls|requests} to `{endpoint}` {without|with no} backoff (`{key}` was ignored), {multiplying|amplifying|inflating} load on {dep} by {n} times once the first {errors|failures|timeouts} {appeared|showed up|came in}.",
				"Add exponential backoff and jitter to {comp} retries"),
			mech("memory leak",
				"A memory leak in the {comp}, {introduced|added|shipped} in {ver} {with|alongside} the `{flag}` code path {behind|of} `{endpoint}`, grew each {instance's|pod's|process's} heap by about {n} MB per hour until the processes were {killed|terminated|OOM-killed} for running out of memory.",
				"Fix the {comp} memory leak and add a soak test"),
			mech("crash on empty field",
				"The {comp} {crashed|panicked|threw} on {requests|payloads|calls} to `{endpoint}` with an empty {currency|country|locale} field {in|of} `{table}` rows, an edge case that a partner {started|began} sending in volume; about {pct}% of {requests|calls} {hit|triggered|reached} it.",
				"Handle empty fields in the {comp} and add fuzz tests for its input"),
			mech("race condition",
				"A race condition between two workers in the {comp} {processed|consumed|handled} the same message from `{queue}` twice, {producing|causing|leaving} duplicate {writes|rows|records} in `{table}`.",
				"Make `{queue}` consumers in the {comp} idempotent"),
			mech("cache invalidation bug",
				"A cache invalidation bug in the {comp} kept serving stale `{table}` {data|rows|records} on `{endpoint}` for {n} minutes after each write, and {clients|callers|users} of {svc} {acted on|relied on|displayed|saw} outdated state.",
				"Fix cache invalidation in the {comp} and add a regression test"),
			mech("unbounded query",
				"A code path {in|of} the {comp} behind `{endpoint}` {issued|ran|sent} an unbounded query against `{table}` when a filter was {missing|omitted|empty}, and a {handful|few dozen} of such requests {saturated|overloaded|pinned} the database.",
				"Enforce a limit on queries against `{table}`"),
		},
		mechTriggers: []int{2, 1, 0, 1, 1, 0},
		details: compileAll(
			"The bug had been latent since {ver} and {only|first} {surfaced|showed up|appeared} under the traffic mix seen that day.",
			"Unit tests covered the happy path {of|for} `{endpoint}` but not the error handling that {failed|broke}.",
			"The fix was a small change; {finding|locating|tracking down} it took most of the incident.",
			"Error logs showed the stack trace from the start, but it was {buried|lost|hidden} among known noisy errors.",
			"A code review {comment|remark|note} had {questioned|asked about|flagged} the same {lines|function|branch} {when it was written|months earlier}.",
		),
		triggers: []trigger{
			trig("New traffic pattern from a partner integration", "partner traffic"),
			trig("Release {ver}", "release"),
			trig("Spike in client retries", "retry spike"),
		},
		factors: []finding{
			find("Error handling {around|in} `{endpoint}` {swallowed|discarded|dropped} the original exception {from|raised by} the `{table}` {repository|data layer} and hid the cause.", "Log the original error in {comp} error handlers"),
			find("Code review missed the change because it was part of a {large|sprawling|big} refactor of `{table}` access {that also touched|touching} `{queue}`.", "Split large {svc} refactors into reviewable changes"),
			find("A ticket for a known bug {in|on} `{endpoint}` {with|under} the `{flag}` flag had been open for {n} months {without|with no} owner.", "Triage open {svc} bug tickets older than 90 days"),
			find("{There was|We had} no {test|regression test|integration test} for {messages|events} on `{queue}` arriving out of order {before|ahead of} the `{table}` write.", "Test out-of-order `{queue}` delivery in the {comp}"),
		},
		prevents:    compileAll("Add property-based tests for {comp} input handling", "Fix the {comp} bug and add a regression test"),
		mitigations: compileAll("Hotfix deployed to the {comp}; errors subside.", "Affected code path disabled behind a flag.", "Instances restarted to clear the bad state."),
		errors:      []string{"NullPointerException", "index out of range", "duplicate key value violates unique constraint", "context deadline exceeded", "panic: assignment to entry in nil map", "ConcurrentModificationException"},
		tags:        []string{"bug", "regression", "retries"},
	},
	{
		slug: "capacity", weight: 7, factorWeight: 9,
		mechanisms: []mechanism{
			mech("traffic spike beyond capacity",
				"{Traffic|Request volume|Load} on `{endpoint}` rose {pct}% above {forecast|plan|the forecast} during a {promotion|sale|campaign} that also {filled|flooded} `{queue}`, and the {comp} ran out of headroom {before|faster than} autoscaling {added|could add} {instances|pods|capacity}.",
				"Include marketing campaigns in the {svc} capacity forecast"),
			mech("autoscaling too slow",
				"Autoscaling for the {comp} {reacted|responded|scaled} {to|on} CPU averaged over {n} minutes (`{key}`), too slowly for a {ramp|surge|burst} {on|of} `{endpoint}` that doubled {load|traffic} in under five minutes.",
				"Scale the {comp} on request rate with a one-minute window"),
			mech("failover overloaded remaining regions",
				"After {region} was {drained|evacuated|taken out}, the remaining regions took its {traffic|load} without enough spare capacity and the {comp} {saturated|fell over|maxed out} {on|serving} `{endpoint}` while `{job}` ran.",
				"Keep N+1 regional capacity for the {comp}"),
			mech("batch job competed with live traffic",
				"The `{job}` {batch job|scheduled job|batch} ran on the same {comp} cluster as live {traffic|requests} and {took|consumed|used} {pct}% of its capacity at peak, {starving|slowing|squeezing} `{endpoint}`.",
				"Move batch jobs off the live {comp} cluster"),
			mech("provisioned quota reached",
				"The {comp} {hit|reached|ran into} its provisioned quota of {n} thousand requests per minute on {dep}, and {requests|calls} to `{endpoint}` above it were {rejected|dropped|refused}, {among them|including} the `{job}` batch.",
				"Raise the {dep} quota and alert at 70% of it"),
		},
		mechTriggers: []int{0, 0, 1, 2, 0},
		details: compileAll(
			"Capacity planning for the {comp} was last {revisited|reviewed|updated} {n} months ago, before the current growth.",
			"Load tests had stopped at {pct}% of the peak that was actually {reached|seen|hit}.",
			"Scaling up by hand took {m} minutes because instance types were {short|scarce|unavailable} in {region}.",
			"The forecast did not include the marketing campaign that {drove|caused|produced} the spike.",
			"The {comp} {shares|sits on} a node pool with the `{job}` job, which nobody had {sized|accounted} for.",
		),
		triggers: []trigger{
			trig("Marketing campaign traffic spike ({pct}% above baseline)", "traffic spike"),
			trig("Regional failover from {region}", "failover"),
			trig("Scheduled batch job", "batch job"),
		},
		factors: []finding{
			find("{Traffic|Load} {on|to} `{endpoint}` was {pct}% above baseline because of a {marketing|seasonal|partner} campaign {that|which} {also|in addition} {filled|flooded} `{queue}`.", "Ask marketing to announce campaigns to on-call a day ahead"),
			find("Autoscaling {limits|ceilings} {behind|for} `{endpoint}` had been capped at {n} {instances|pods} to control cost, {set|configured} {by|in} `{key}`.", "Raise the {comp} autoscaling ceiling"),
			find("No headroom target was {defined|agreed|set} for `{endpoint}` in {region}, {and|while} the `{job}` job {shared|used} the same {nodes|pool}.", "Agree a headroom target for {svc} and alert below it"),
			find("The `{job}` job {was rescheduled|moved} {into|onto} the busiest hour of `{endpoint}` {without|with no} review.", "Keep `{job}` out of {svc} peak hours"),
		},
		prevents:    compileAll("Run quarterly load tests at twice peak for {svc}", "Agree a headroom target for {svc} and alert below it"),
		mitigations: compileAll("Capacity added by hand; latency back to normal.", "Batch job paused; live traffic recovers.", "Load shedding enabled for non-critical traffic."),
		errors:      []string{"503 Service Unavailable", "request queue full", "quota exceeded", "connection refused", "too many requests in flight", "upstream overloaded"},
		tags:        []string{"capacity", "autoscaling", "traffic"},
	},
	{
		slug: "resource-exhaustion", weight: 7, factorWeight: 7,
		mechanisms: []mechanism{
			mech("connection pool exhausted",
				"Database connection pool exhaustion in the {comp}: connections {to|on} `{table}` {were not|weren't} {returned|released|given back} after timeouts on `{endpoint}`, and the pool of {n} connections was {exhausted|used up|drained} within {m} minutes.",
				"Return connections to the pool on every error path in the {comp}"),
			mech("disk full",
				"The data volume of the {comp} filled up after log rotation {failed|stopped|broke} {for|on} the `{job}` {logs|output}, and {writes|inserts} {to|into} `{table}` started failing once free space reached zero.",
				"Fix log rotation on the {comp} and alert at 80% disk usage"),
			mech("file descriptors exhausted",
				"The {comp} ran out of file descriptors because sockets to {dep} {leaked|stayed open|were never closed} on error paths {of|in} `{endpoint}` {after|whenever} `{key}` {expired|timed out}; the limit of {n} thousand was reached under {normal|ordinary|everyday} load.",
				"Close sockets to {dep} on every error path"),
			mech("thread pool starvation",
				"Blocking calls to {dep} {from|inside} `{endpoint}` starved the request thread pool of the {comp}, and {requests|calls} {queued|piled up|waited} until they timed out, `{queue}` {included|among them}.",
				"Move calls to {dep} off the request thread pool"),
			mech("memory limit reached",
				"{Instances|Pods|Replicas} of the {comp} {hit|reached} their memory limit after {a|the} `{table}` cache {behind|for} `{endpoint}` grew without bound, and the orchestrator restarted {pct}% of them within {m} minutes.",
				"Bound the {comp} cache by size"),
		},
		mechTriggers: []int{1, 2, 1, 1, 0},
		details: compileAll(
			"{Utilisation|Usage} had been creeping up for weeks without anyone looking at the trend.",
			"The limit was a default that nobody had {revisited|reviewed|questioned} since the {comp} launched.",
			"Restarting {instances|pods} bought time, but the resource filled up again within {m} minutes.",
			"Dashboards had shown the resource at {pct}% the day before.",
			"`{key}` {sets|controls} the limit, and it {was|had been} copied from a {staging|test|template} config.",
		),
		triggers: []trigger{
			trig("Gradual growth in traffic", "load growth"),
			trig("Timeouts from {dep}", "upstream timeouts"),
			trig("Spike in log volume", "log spike"),
		},
		factors: []finding{
			find("Retry behaviour {on|behind} `{endpoint}` held connections {to|on} `{table}` open {longer|much longer} than usual.", "Release connections before retrying in the {comp}"),
			find("Slow queries {on|against} `{table}` {from|issued by} `{job}` kept connections busy for {n} seconds each.", "Set a statement timeout for {comp} queries"),
			find("The default `{key}` limit had never been tuned for production {traffic|load} on `{endpoint}`.", "Set explicit resource limits for the {comp}"),
			find("The `{job}` job {held|kept} {file handles|sockets|connections} {to|on} `{table}` open {between|across} runs.", "Close resources at the end of each `{job}` run"),
		},
		prevents:    compileAll("Set explicit resource limits and saturation alerts for the {comp}", "Review resource limits for all {svc} components"),
		mitigations: compileAll("Instances restarted with a larger pool; requests succeed again.", "Disk space freed and log rotation fixed.", "Traffic to {dep} throttled to free workers."),
		errors:      []string{"PoolTimeoutError: timed out waiting for a connection", "no space left on device", "too many open files", "OOMKilled", "RejectedExecutionException", "cannot allocate memory"},
		tags:        []string{"connection-pool", "memory", "disk"},
	},
	{
		slug: "dependency", weight: 8, factorWeight: 9,
		mechanisms: []mechanism{
			mech("upstream outage",
				"Calls {from|by} the {comp} to {dep} failed for {m} minutes and `{endpoint}` had no fallback {for|to} `{table}`, so every {request|call} that {needed|depended on} it {failed|errored} too.",
				"Degrade gracefully in the {comp} when {dep} is unavailable"),
			mech("upstream latency",
				"Latency from {dep} {rose|climbed|jumped} from milliseconds to several seconds, and the {comp} waited on it {for|in} `{endpoint}` with a {n}-second timeout {from|set in} `{key}`, tying up its {workers|threads|connections}.",
				"Tighten timeouts from the {comp} to {dep}"),
			mech("provider API change",
				"A response format change by {dep}, made without notice, left the {comp} unable to {parse|decode|read} {pct}% of {responses|replies} {behind|for} `{endpoint}` {and|or} to write them to `{table}`.",
				"Add contract tests for {dep} responses"),
			mech("expired certificate upstream",
				"A TLS certificate on {dep} expired and the {comp} {refused|rejected|dropped} the connection, failing every {call|request} {to|on} `{endpoint}` that needed it, {and|while} `{queue}` {backed up|grew}.",
				"Monitor certificate expiry of {dep} endpoints"),
			mech("rate limited by provider",
				"Rate limiting by {dep} after a burst of {requests|calls} from the `{job}` job {in|on} the {comp} {rejected|refused|throttled} {pct}% of calls to `{endpoint}` for {m} minutes.",
				"Throttle {comp} calls to {dep} below its rate limit"),
		},
		mechTriggers: []int{0, 2, 1, 0, -1},
		details: compileAll(
			"The dependency was considered non-critical, but the code {behind|of} `{endpoint}` treated its failure as fatal.",
			"There was no circuit breaker between the {comp} and {dep}.",
			"The provider's status page {reported|acknowledged|confirmed} the problem {m} minutes after we saw it.",
			"A fallback path existed but had not been {exercised|tested|used} in over a year.",
			"Calls to {dep} {share|use} one connection pool with the `{job}` job, so both {suffered|stalled}.",
		),
		triggers: []trigger{
			trig("Outage at {dep}", "upstream outage"),
			trig("Provider API change", "provider change"),
			trig("Latency increase from {dep}", "upstream slowdown"),
		},
		factors: []finding{
			find("{There was|We had} no circuit breaker {on|for} calls to {dep} {from|in} `{endpoint}`, {and|so} `{queue}` {backed up|grew} {behind|after} them.", "Add a circuit breaker for calls to {dep}"),
			find("Timeouts {to|towards} {dep} {set in|from} `{key}` were longer than {the callers'|the caller's} own deadline on `{endpoint}`.", "Align {dep} timeouts with caller deadlines"),
			find("{dep} had no documented SLA {and nobody|and no one} {was watching|watched} {its|the} {errors|latency} {for|on} `{endpoint}` {or|and} `{job}`.", "Agree an SLA and an escalation contact for {dep}"),
			find("{Nothing|No response} from {dep} was cached {for|in} `{table}`, so every {request|call} to `{endpoint}` {waited|depended} on it.", "Cache {dep} responses in the {comp}"),
		},
		prevents:    compileAll("Add a circuit breaker and fallback for calls to {dep}", "Agree an SLA and an escalation contact for {dep}"),
		mitigations: compileAll("Fallback enabled; requests served without {dep}.", "Upstream recovered; error rate back to normal.", "Calls to {dep} routed to a secondary endpoint."),
		errors:      []string{"upstream connect error or disconnect/reset before headers", "context deadline exceeded", "x509: certificate has expired or is not yet valid", "429 Too Many Requests", "unexpected end of JSON input", "connection reset by peer"},
		tags:        []string{"dependency", "third-party", "timeouts"},
	},
	{
		slug: "database", weight: 7, factorWeight: 7, owner: "db-team",
		mechanisms: []mechanism{
			mech("replica lag",
				"Replication lag on the `{table}` replicas {reached|grew to|climbed to} {n} minutes, and the {comp} served reads {on|for} `{endpoint}` that were missing recent writes.",
				"Route {comp} reads to the primary when replica lag exceeds 30 seconds"),
			mech("lock contention",
				"A long-running transaction {from|in} the `{job}` job held locks on `{table}` for {m} minutes, and queries from the {comp} {queued|piled up|waited} behind it until they timed out.",
				"Set lock and statement timeouts for writes to `{table}`"),
			mech("missing index",
				"A query on `{table}` {behind|for|serving} `{endpoint}` lost its index after a migration and fell back to a full table scan, pushing database CPU to {pct}%.",
				"Add the missing index on `{table}` and check query plans in CI"),
			mech("failover to stale primary",
				"The primary database {behind|of} the {comp} failed over to a replica, and clients {writing|that write} `{table}` kept connecting to the old primary for {m} minutes because of a {cached|stale} DNS record {from|in} `{key}`.",
				"Make {comp} database clients follow failover within 30 seconds"),
			mech("table bloat",
				"Bloat on `{table}` slowed queries from the {comp} {on|for} `{endpoint}` by {n} times until autovacuum caught up.",
				"Tune autovacuum for `{table}` and alert on bloat"),
		},
		mechTriggers: []int{2, 2, 0, 1, -1},
		details: compileAll(
			"The query planner chose a different plan {for|on} `{table}` after statistics were refreshed.",
			"The database runs on a single primary and there was no read-only mode to fall back to.",
			"Database metrics existed but were not on the dashboards the on-call {used|watched|opened}.",
			"`{table}` had grown {pct}% in the last quarter.",
			"The `{job}` job {runs|had been moved} {at|to} the same hour and {touches|rewrites} `{table}` too.",
		),
		triggers: []trigger{
			trig("Schema migration on `{table}`", "migration"),
			trig("Database failover", "database failover"),
			trig("Long-running analytics query", "analytics query"),
		},
		factors: []finding{
			find("{Slower than expected|Degraded|Poor} query performance {due to|because of} missing indexes on `{table}` {for|behind} `{endpoint}`.", "Add the missing indexes on `{table}`"),
			find("Analytics queries {on|against} `{table}` {from|run by} `{job}` {used|hit} the production primary {instead of|rather than} a replica.", "Move analytics queries to a replica"),
			find("The connection pool had no statement timeout {for|on} `{table}` queries {issued|sent} by `{endpoint}`.", "Set statement timeouts for {comp} queries"),
			find("The `{job}` job {rewrote|updated} `{table}` in one {transaction|batch} instead of in chunks.", "Make `{job}` write `{table}` in small batches"),
		},
		prevents:    compileAll("Alert on replication lag above 30 seconds", "Review slow queries on `{table}` monthly"),
		mitigations: compileAll("Blocking transaction killed; queries drain.", "Index rebuilt on `{table}`; CPU back to normal.", "Clients pointed at the new primary."),
		errors:      []string{"canceling statement due to lock timeout", "replication lag exceeds threshold", "could not serialize access due to concurrent update", "cannot execute UPDATE in a read-only transaction", "deadlock detected", "remaining connection slots are reserved"},
		tags:        []string{"database", "postgres", "replication"},
	},
	{
		slug: "network", weight: 6, factorWeight: 5, owner: "network-team",
		mechanisms: []mechanism{
			mech("bad DNS record",
				"A DNS record for the {comp} {behind|serving} `{endpoint}` was {changed|updated|pointed} to a wrong target, and resolvers cached it for the full {n}-minute TTL {while|as} `{job}` {ran|kept running}.",
				"Lower DNS TTLs for the {comp} and stage record changes"),
			mech("packet loss between regions",
				"Packet loss of {pct}% on the link between {region} and the other regions caused timeouts for cross-region calls from the {comp} to {dep} {on|behind} `{endpoint}` {and|while} `{queue}` {stalled|lagged}.",
				"Add a second network path for cross-region calls"),
			mech("health checks failed healthy instances",
				"The load balancer in front of the {comp} marked healthy {instances|pods|backends} as down after {its|the} health-check path {changed|moved} to `{endpoint}` in `{key}`, leaving {n} {instances|pods|backends} to carry all traffic.",
				"Test health-check changes against a live {comp} instance first"),
			mech("route change at transit provider",
				"A route change at our transit provider sent traffic for `{endpoint}` in {region} through a congested path, raising latency {of|for} the {comp} {n} times {and|while} `{job}` {timed out|stalled}.",
				"Add a second transit provider in {region}"),
			mech("firewall rule blocked traffic",
				"A firewall rule {update|change|edit} blocked traffic from the {comp} to {dep} in {region}, and {pct}% of calls {to|on} `{endpoint}` {writing|reading} `{table}` failed until the rule was {reverted|rolled back|removed}.",
				"Require peer review for firewall rule changes"),
		},
		mechTriggers: []int{0, 2, -1, 2, 1},
		details: compileAll(
			"Network changes are made by a separate team and were not announced in the incident channel.",
			"The record's TTL had been raised to reduce resolver load.",
			"Only clients in {region} were affected, which at first made it look like a client bug.",
			"Cross-region traffic {to|towards} {dep} had no retry over a different path.",
			"The change ticket {for|covering} the rule named `{endpoint}` but not the {comp}.",
		),
		triggers: []trigger{
			trig("DNS change for the {comp}", "DNS change"),
			trig("Firewall rule update", "firewall change"),
			trig("Transit provider route change", "route change"),
		},
		factors: []finding{
			find("DNS TTLs {for|on} the {records|names} behind `{endpoint}` were {long|set high} in `{key}`, so the bad record {lingered|stayed cached}.", "Lower DNS TTLs for {svc} records"),
			find("No synthetic checks {ran|probed} `{endpoint}` from outside {region}, {and|so} {only|just} `{job}` {noticed|saw} the failures.", "Run synthetic checks from every region"),
			find("The network change {for|affecting} `{endpoint}` was not on the shared change calendar {next to|beside} `{job}`.", "Put network changes on the shared change calendar"),
		},
		prevents:    compileAll("Put network changes on the shared change calendar", "Stage network changes through a canary site"),
		mitigations: compileAll("DNS record restored; resolvers pick up the fix.", "Firewall rule reverted; calls succeed.", "Traffic steered away from {region}."),
		errors:      []string{"NXDOMAIN", "connection reset by peer", "no route to host", "dial tcp: i/o timeout", "TLS handshake timeout", "503 no healthy backends"},
		tags:        []string{"network", "dns", "load-balancer"},
	},
	{
		slug: "hardware", weight: 2, factorWeight: 2, owner: "infrastructure-team",
		mechanisms: []mechanism{
			mech("disk failure on storage node",
				"A disk failed on the storage node {backing|behind} the {comp} in {region}, and the rebuild saturated I/O for the other {n} tenants on the node, {including|among them} `{table}` {and|with} `{job}`.",
				"Throttle rebuild I/O on shared storage nodes"),
			mech("rack power failure",
				"{n} hypervisors in {region} lost power in a rack failure, taking down the {comp} {instances|pods|VMs} {serving|behind} `{endpoint}` that were scheduled on them, with `{queue}` {consumers|workers}.",
				"Spread {comp} replicas across racks and zones"),
			mech("flapping network card",
				"A flapping network card on a host of the {comp} in {region} caused intermittent packet loss that affected {pct}% of {requests|calls} to `{endpoint}` {and|while} `{job}` {retried|kept retrying}.",
				"Automate evacuation of hosts with flapping interfaces"),
			mech("faulty memory",
				"Memory errors on a database host corrupted cached `{table}` pages for the {comp} {behind|serving} `{endpoint}`, and the host kept serving for {m} minutes until it crashed.",
				"Drain hosts automatically on corrected memory errors"),
		},
		mechTriggers: []int{1, 0, -1, 2},
		details: compileAll(
			"All replicas of the {comp} had been scheduled in the same rack.",
			"The hardware alert went to a mailbox nobody reads.",
			"Replacement hardware took {n} hours to arrive in {region}.",
			"The failure domain was documented but not enforced by the scheduler.",
		),
		triggers: []trigger{
			trig("Rack power failure in {region}", "power failure"),
			trig("Disk failure", "disk failure"),
			trig("Host crash", "host crash"),
		},
		factors: []finding{
			find("Replicas {behind|serving} `{endpoint}` were not spread across failure domains in {region}, {and|while} `{table}` {lived|sat} on the same rack.", "Enforce anti-affinity for {comp} replicas"),
			find("Hardware health events for the hosts {of|running} `{job}` and `{endpoint}` were not routed to on-call.", "Route hardware health events to on-call"),
		},
		prevents:    compileAll("Automate evacuation of failing hosts"),
		mitigations: compileAll("Workloads moved off the failed host.", "Failed node removed from the pool; rebuild throttled."),
		errors:      []string{"blk_update_request: I/O error", "machine check exception", "NIC link is down", "host unreachable", "EDAC MC0: UE memory read error", "ata1: hard resetting link"},
		tags:        []string{"hardware", "infrastructure"},
	},
	{
		slug: "security", weight: 2, factorWeight: 2, owner: "security-team",
		mechanisms: []mechanism{
			mech("credential rotation broke auth",
				"An automated credential rotation {by|in} the `{job}` job replaced the secret {in|at} `{key}` the {comp} uses to reach {dep}, but running {instances|pods} kept the old one and authentication failed.",
				"Reload secrets in the {comp} without a restart"),
			mech("certificate expired",
				"The TLS certificate for `{endpoint}` on {svc} expired; renewal {by|in} the `{job}` job had failed {silently|quietly} {n} days earlier.",
				"Automate certificate renewal for {svc} and alert 30 days before expiry"),
			mech("WAF false positives",
				"A new WAF rule blocked {pct}% of legitimate requests to `{endpoint}` on the {comp} as suspected injection attempts, {among them|including} the `{job}` {calls|batch}.",
				"Deploy WAF rules in log-only mode first"),
			mech("volumetric attack",
				"A volumetric attack against `{endpoint}` on {svc} in {region} saturated the edge, and {pct}% of legitimate requests were dropped {before|until} `{key}` {was lowered|tightened}.",
				"Enable always-on DDoS filtering for {svc}"),
			mech("API key revoked in use",
				"An API key used by the {comp} {for|to call} {dep} {from|in} `{endpoint}` was revoked during a security review without checking who still used it: `{job}` {did|still did}.",
				"Inventory API key usage before revoking keys"),
		},
		mechTriggers: []int{0, 1, 2, 3, -1},
		details: compileAll(
			"Security changes follow a separate process that does not notify service owners.",
			"The renewal job logged its failure but raised no alert.",
			"Rolling back the rule needed approval from a team that was off shift.",
			"Mitigation required coordination with the edge provider for {m} minutes.",
		),
		triggers: []trigger{
			trig("Credential rotation", "credential rotation"),
			trig("Certificate expiry", "certificate expiry"),
			trig("WAF rule update", "WAF rule update"),
			trig("Traffic flood from a botnet", "DDoS"),
		},
		factors: []finding{
			find("Secrets {for|used by} `{endpoint}` were loaded once at start-up {from|via} `{key}` and never refreshed.", "Reload secrets in the {comp} without a restart"),
			find("Certificate expiry dates {for|of} `{endpoint}` were tracked in a spreadsheet {instead of|rather than} {by|in} `{job}`.", "Track certificate expiry in monitoring"),
			find("The WAF rule {for|on} `{endpoint}` went straight to blocking mode without a log-only period, {unlike|contrary to} `{flag}`.", "Deploy WAF rules in log-only mode first"),
		},
		prevents:    compileAll("Notify service owners of security changes that affect them"),
		mitigations: compileAll("New credentials rolled out to all instances.", "Certificate renewed and deployed.", "WAF rule switched to log-only.", "Attack traffic filtered at the edge."),
		errors:      []string{"401 Unauthorized", "x509: certificate has expired or is not yet valid", "403 Forbidden by WAF rule", "invalid API key", "signature verification failed", "SSL_ERROR_BAD_CERT_DOMAIN"},
		tags:        []string{"security", "tls", "certificates"},
	},
	{
		slug: "time", weight: 1.5, factorWeight: 1,
		mechanisms: []mechanism{
			mech("clock skew",
				"Clock skew of {n} seconds on hosts of the {comp} in {region} after an NTP misconfiguration made tokens look expired, and {pct}% of requests to `{endpoint}` were rejected {by|in} `{key}` {checks|validation}.",
				"Monitor clock drift on all {comp} hosts"),
			mech("daylight saving time bug",
				"A daylight-saving-time transition made the `{job}` scheduler in the {comp} run the same jobs twice within {m} minutes, {writing|doubling} `{table}` rows.",
				"Test {comp} scheduling across DST transitions"),
			mech("month-end date arithmetic",
				"A date calculation in the {comp} overflowed at the turn of the month and marked {pct}% of valid `{table}` rows as expired {on|behind} `{endpoint}`.",
				"Add month-boundary cases to {comp} date tests"),
			mech("timezone parsing",
				"The {comp} parsed timestamps from {dep} in local time instead of UTC, shifting {pct}% of `{table}` records by several hours before `{job}` {read|exported} them.",
				"Parse and store all {comp} times in UTC"),
		},
		mechTriggers: []int{2, 0, 1, -1},
		details: compileAll(
			"The code path runs rarely enough that the bug had never been hit in production.",
			"Tests ran in UTC, which hid the timezone dependency.",
			"The effect was delayed by {n} hours, so the cause was not obvious from the timeline.",
			"Several hosts had drifted because a base image change had disabled the NTP daemon.",
		),
		triggers: []trigger{
			trig("Daylight saving time change", "DST change"),
			trig("Month boundary", "month rollover"),
			trig("NTP server change", "NTP change"),
		},
		factors: []finding{
			find("Tests {for|of} `{job}` {and|or} `{endpoint}` ran only in UTC.", "Run {svc} tests in several time zones"),
			find("Clock drift on the hosts {of|running} `{job}` in {region} was not monitored, {though|although} `{key}` {depends|relies} on it.", "Monitor clock drift on all {comp} hosts"),
		},
		prevents:    compileAll("Store and compare all times in UTC"),
		mitigations: compileAll("Clocks resynchronised; tokens validate again.", "Duplicate jobs cancelled and scheduler paused."),
		errors:      []string{"token used before issued", "token is expired", "duplicate job run detected", "parsing time: month out of range", "clock skew detected", "invalid date"},
		tags:        []string{"time", "ntp", "scheduling"},
	},
	{
		slug: "automation", weight: 3, factorWeight: 3,
		mechanisms: []mechanism{
			mech("cleanup job deleted live instances",
				"The `{job}` cleanup job deleted {n} {instances|pods|VMs} of the {comp} that it wrongly classified as orphaned, {taking down|killing} `{endpoint}`.",
				"Add a dry-run mode and a blast-radius limit to the cleanup job"),
			mech("auto-remediation restart loop",
				"An auto-remediation script restarted the {comp} whenever health checks on `{endpoint}` failed, which caused a restart loop during a slow start {of|while warming} `{table}`.",
				"Add a restart budget to auto-remediation for the {comp}"),
			mech("Terraform apply from stale plan",
				"A Terraform apply from a stale plan removed the {region} load balancer listener for `{endpoint}` on the {comp}, {and|with} `{key}`.",
				"Require plan review before Terraform applies to production"),
			mech("maintenance job hit production",
				"The `{job}` maintenance job ran against production instead of staging and put `{table}` on the {comp} into read-only mode for {m} minutes.",
				"Give maintenance jobs separate credentials per environment"),
		},
		mechTriggers: []int{0, 2, 1, -1},
		details: compileAll(
			"The automation had no dry-run mode and no limit on how much it could change at once.",
			"The job had run safely for months; a change in resource tagging made it misclassify {instances|resources}.",
			"Disabling the automation took {m} minutes because its kill switch was undocumented.",
			"Nobody was notified when the automation acted.",
		),
		triggers: []trigger{
			trig("Scheduled cleanup job", "cleanup job"),
			trig("Terraform apply", "Terraform apply"),
			trig("Auto-remediation run", "auto-remediation"),
		},
		factors: []finding{
			find("The `{job}` automation had no rate limit on destructive actions {against|on} `{table}`.", "Rate-limit destructive actions in {svc} automation"),
			find("Resource tags {on|of} the {hosts|instances} behind `{endpoint}` were inconsistent across environments {for|in} `{job}`.", "Enforce resource tagging in CI"),
		},
		prevents:    compileAll("Add a documented kill switch for {comp} automation"),
		mitigations: compileAll("Automation disabled and instances recreated.", "Listener restored from the last good state."),
		errors:      []string{"instance terminated by cleanup policy", "listener not found", "database is in read-only mode", "back-off restarting failed container", "resource deleted by automation", "plan is stale"},
		tags:        []string{"automation", "terraform", "cron"},
	},
	{
		slug: "process", weight: 2, factorWeight: 8,
		mechanisms: []mechanism{
			mech("manual command on wrong cluster",
				"During planned maintenance an engineer ran `{job}` {against|on} `{table}` on the production {comp} cluster in {region} instead of the standby.",
				"Require two-person review for production commands on the {comp}"),
			mech("change made during freeze",
				"A change to the {comp} was made during the change freeze without the usual review, and it disabled request validation on `{endpoint}` {by|through} `{key}`.",
				"Block {svc} deploys during change freezes without an approved exception"),
			mech("half-finished migration at handoff",
				"A migration of `{table}` on the {comp} was left half-done at a shift handoff, and the next shift re-ran its first step {through|with} `{job}`.",
				"Add a handoff checklist for long-running migrations"),
			mech("outdated failover runbook",
				"The failover runbook for the {comp} in {region} referred to decommissioned hosts, and following it extended the outage {of|on} `{endpoint}` by {m} minutes {while|as} `{queue}` {backed up|grew}.",
				"Review and rehearse the {comp} runbook every quarter"),
		},
		mechTriggers: []int{0, 1, 2, 0},
		details: compileAll(
			"The maintenance window overlapped with peak traffic in {region}.",
			"The checklist had not been updated since {ver}.",
			"Two teams each assumed the other owned the step.",
			"There was no second pair of eyes on production commands.",
		),
		triggers: []trigger{
			trig("Planned maintenance", "maintenance"),
			trig("Manual production change", "manual change"),
			trig("Shift handoff", "handoff"),
		},
		factors: []finding{
			find("The runbook {for|of} `{endpoint}` had not been exercised in {n} months, {and|while} its `{job}` {step|section} {was|had gone} stale.", "Rehearse the {comp} runbook in a game day"),
			find("Production and staging shells look identical, {and|so} the `{job}` command {against|on} `{table}` {went|ran} {in|against} the wrong one.", "Colour production shell prompts red"),
			find("The change to `{endpoint}` {and|with} `{key}` was not announced in the change channel.", "Announce {svc} changes in the change channel"),
			find("The on-call {was|had been} {new to|unfamiliar with} `{table}` and `{job}`, and {no|nobody} {senior|experienced} {engineer|reviewer} {was|had been} {paired|assigned}.", "Pair new {svc} on-call engineers for their first shifts"),
		},
		prevents:    compileAll("Require two-person review for production commands on the {comp}"),
		mitigations: compileAll("Standby promoted and traffic moved over.", "Validation re-enabled by hand."),
		errors:      []string{"permission denied", "database is in read-only mode", "duplicate migration step", "host not found", "relation already exists", "validation disabled"},
		tags:        []string{"process", "maintenance", "runbook"},
	},
	{
		slug: "unknown", weight: 1.5, factorWeight: 1,
		mechanisms: []mechanism{
			mech("cause not determined",
				"The root cause of the {comp} errors on `{endpoint}` has not been determined; the errors stopped after {instances|pods} {reading|serving} `{table}` were restarted.",
				"Add request tracing through the {comp}"),
			mech("transient errors",
				"The {comp} returned errors {on|for} `{endpoint}` for {m} minutes and recovered on its own; logs {of|from} `{job}` for the period are incomplete.",
				"Increase log retention for the {comp} to 30 days"),
			mech("suspected upstream fault",
				"We suspect a transient fault at {dep} {behind|under} `{endpoint}`, but the provider has not confirmed it and our data from the {comp} about `{queue}` is inconclusive.",
				"Ask {dep} for a formal incident report"),
		},
		mechTriggers: []int{-1, -1, -1},
		details: compileAll(
			"Log retention on the affected hosts was too short to reconstruct the sequence.",
			"The investigation was time-boxed and closed without a confirmed cause.",
			"We could not reproduce the failure in staging.",
		),
		// No triggers: nothing known set it off.
		factors: []finding{
			find("Logs {of|from} `{endpoint}` were sampled at {pct}%, and the {lines|entries} {about|for} `{queue}` were not kept.", "Keep unsampled error logs for the {comp}"),
		},
		prevents:    compileAll("Add request tracing through the {comp}"),
		mitigations: compileAll("Instances restarted; errors stop."),
		errors:      []string{"500 Internal Server Error", "connection reset by peer", "unexpected EOF", "broken pipe"},
		tags:        []string{"unknown-cause", "flaky"},
	},
}

var (
	causeWeights  weights
	factorWeights weights
)

func init() {
	cw := make([]float64, len(causeKinds))
	fw := make([]float64, len(causeKinds))
	for i, k := range causeKinds {
		cw[i], fw[i] = k.weight, k.factorWeight
	}
	causeWeights = newWeights(cw...)
	factorWeights = newWeights(fw...)
}
