package incident

import "strconv"

// ImportOutcome says what an import did with one incident.
type ImportOutcome int

// Import outcomes.
const (
	// ImportFailed: the incident is not valid; its error says why.
	ImportFailed ImportOutcome = iota
	ImportCreated
	ImportUpdated
	// ImportUnchanged: the store holds this content already (or another
	// copy in the same import, which was written).
	ImportUnchanged
	// ImportSuperseded: an older copy of a post-mortem whose newer copy is
	// in the same import; the newer one was used.
	ImportSuperseded
	// ImportConflict: nothing was written, because the file is older than
	// the stored incident (someone changed it since the file was written),
	// or because another copy in the import holds the same version with
	// other content. Its error says which, with the current version.
	ImportConflict
)

var outcomeNames = [...]string{"failed", "created", "updated", "unchanged", "superseded", "conflict"}

func (o ImportOutcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "outcome " + strconv.Itoa(int(o))
}
