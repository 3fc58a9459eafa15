package incident

// Severity ranks impact from SEV1 (critical) to SEV4 (minor). It is required
// when filing but may be empty on imported history.
type Severity string

// The severities, most severe first.
const (
	SEV1 Severity = "SEV1"
	SEV2 Severity = "SEV2"
	SEV3 Severity = "SEV3"
	SEV4 Severity = "SEV4"
)

// Severities lists every severity, most severe first.
var Severities = []Severity{SEV1, SEV2, SEV3, SEV4}

// Status is where an incident stands in its lifecycle.
type Status string

// The lifecycle, in order.
const (
	StatusInvestigating Status = "investigating"
	StatusIdentified    Status = "identified"
	StatusMonitoring    Status = "monitoring"
	StatusResolved      Status = "resolved"
)

// Statuses lists the lifecycle in order.
var Statuses = []Status{StatusInvestigating, StatusIdentified, StatusMonitoring, StatusResolved}

// PostmortemStatus is how far the written post-mortem has come.
type PostmortemStatus string

// The post-mortem lifecycle, in order.
const (
	PostmortemDraft     PostmortemStatus = "draft"
	PostmortemInReview  PostmortemStatus = "in_review"
	PostmortemPublished PostmortemStatus = "published"
)

// PostmortemStatuses lists the post-mortem lifecycle in order.
var PostmortemStatuses = []PostmortemStatus{PostmortemDraft, PostmortemInReview, PostmortemPublished}

// OutageType describes the shape of an outage; an incident has a set of them.
type OutageType string

// The outage types.
const (
	OutageRegional  OutageType = "regional"
	OutageGlobal    OutageType = "global"
	OutagePartial   OutageType = "partial"
	OutageCascading OutageType = "cascading"
)

// OutageTypes lists every outage type in display order.
var OutageTypes = []OutageType{OutageRegional, OutageGlobal, OutagePartial, OutageCascading}

// DetectionMethod is how an incident was noticed.
type DetectionMethod string

// The detection methods.
const (
	DetectedByAlert           DetectionMethod = "alert"
	DetectedByCustomer        DetectionMethod = "customer-report"
	DetectedByStaff           DetectionMethod = "staff"
	DetectedByAutomatedTest   DetectionMethod = "automated-test"
	DetectedByExternalMonitor DetectionMethod = "external-monitor"
	DetectedByUnknown         DetectionMethod = "unknown"
)

// DetectionMethods lists every detection method.
var DetectionMethods = []DetectionMethod{
	DetectedByAlert, DetectedByCustomer, DetectedByStaff,
	DetectedByAutomatedTest, DetectedByExternalMonitor, DetectedByUnknown,
}

// ActionKind says what an action item is for.
type ActionKind string

// The action item kinds.
const (
	ActionPrevent  ActionKind = "prevent"
	ActionDetect   ActionKind = "detect"
	ActionMitigate ActionKind = "mitigate"
	ActionProcess  ActionKind = "process"
)

// ActionKinds lists every action item kind.
var ActionKinds = []ActionKind{ActionPrevent, ActionDetect, ActionMitigate, ActionProcess}

// ActionStatus is where an action item stands.
type ActionStatus string

// The action item statuses.
const (
	ActionOpen       ActionStatus = "open"
	ActionInProgress ActionStatus = "in_progress"
	ActionDone       ActionStatus = "done"
	ActionWontDo     ActionStatus = "wont_do"
)

// ActionStatuses lists every action item status.
var ActionStatuses = []ActionStatus{ActionOpen, ActionInProgress, ActionDone, ActionWontDo}

// IsOpen reports whether the item still needs work.
func (s ActionStatus) IsOpen() bool { return s == ActionOpen || s == ActionInProgress }
