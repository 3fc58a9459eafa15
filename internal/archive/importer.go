package archive

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aftermath-sre/aftermath/internal/catalog"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/postmortem"
	"github.com/aftermath-sre/aftermath/internal/store"
)

// importBatch is about how many files go in one transaction; a batch ends
// between post-mortems, never between two copies of one.
const importBatch = 1000

// Importer is what importing needs from storage.
type Importer interface {
	Import(ctx context.Context, b store.ImportBatch) (*store.ImportResult, error)
	ImportCatalog(ctx context.Context, cat *incident.Catalog) (*incident.CatalogImport, error)
	ImportCategories(ctx context.Context, categories []incident.Category) error
}

// Options tune an import.
type Options struct {
	// Progress, when set, is called as files are done (written, or found
	// unchanged, superseded or failed), with how many of how many.
	Progress func(done, total int)
}

// FileResult says what happened to one file.
type FileResult struct {
	Path    string
	Outcome incident.ImportOutcome
	ID      int64
	Err     error // why the file was not imported, when it was not
	Skipped bool  // not a regular file: skipped with the reason in Err
}

// Summary counts the outcomes of an import.
type Summary struct {
	// Post-mortem files, by outcome; files that failed or were skipped,
	// side files included.
	Created, Updated, Unchanged, Superseded, Conflicts, Failed, Skipped int
	// Catalogs, Vocabularies and CommentFiles count the side files read;
	// Comments counts the comments added from them.
	Catalogs, Vocabularies, CommentFiles, Comments int
	// Failures are the files that failed or conflicted, and Skips those
	// skipped, each sorted by path.
	Failures, Skips []FileResult
	// Committed are the post-mortem files whose transaction committed, in
	// the order they were written (with the comments beside them), and
	// CommittedSideFiles the catalogues and vocabularies. When an import
	// stops half-way, they are exactly what it wrote or found in place.
	Committed          []FileResult
	CommittedSideFiles []string
}

// Files is the number of files the import looked at.
func (s Summary) Files() int {
	return s.Created + s.Updated + s.Unchanged + s.Superseded + s.Conflicts + s.Failed + s.Skipped
}

func (s *Summary) count(r FileResult) {
	switch {
	case r.Skipped:
		s.Skipped++
		s.Skips = append(s.Skips, r)
		return
	case r.Outcome == incident.ImportCreated:
		s.Created++
	case r.Outcome == incident.ImportUpdated:
		s.Updated++
	case r.Outcome == incident.ImportUnchanged:
		s.Unchanged++
	case r.Outcome == incident.ImportSuperseded:
		s.Superseded++
	case r.Outcome == incident.ImportConflict:
		s.Conflicts++
		s.Failures = append(s.Failures, r)
	default:
		s.Failed++
		s.Failures = append(s.Failures, r)
	}
}

// ImportPaths imports the markdown post-mortems at paths: files, or folders
// walked for *.md files, with what an export puts beside them (see
// formats.go): the vocabularies first, then the service catalogue, then
// the post-mortems, each with the comments in the NAME.comments.yaml file
// beside its NAME.md. A file that cannot be read, parsed or validated, or
// that conflicts with a newer stored version, is reported with its name
// and the reason, and the others still import; what is not a regular file
// (a named pipe, a device) is skipped with the reason.
//
// The result does not depend on the files' names or on which parse worker
// finishes first: every file's identity is read first (ReadIdentity, a
// scan of a few lines), copies of one post-mortem are put in one batch,
// and the store resolves them together (the newest version wins). Files
// are read in identity order, so ids are appended at each table's end.
// Parsing runs on every core while the batch before is written; a batch's
// incidents and comments are one transaction.
//
// The error is for faults that stop the whole import (the database, a
// cancelled context); Summary.Committed then lists what was written.
func ImportPaths(ctx context.Context, st Importer, paths []string, opts Options) (Summary, error) {
	var sum Summary
	found := collectFiles(paths)
	for _, p := range found.problems {
		sum.count(p)
	}
	if err := importSideFiles(ctx, st, found, &sum); err != nil {
		return finish(sum), err
	}
	queue, failed := planImport(found.postmortems, found.comments)
	for _, f := range failed {
		sum.count(f)
	}
	total := len(found.problems) + len(failed) + len(queue)
	progress := func() {
		if opts.Progress != nil {
			opts.Progress(sum.Files(), total)
		}
	}
	progress()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := parseInOrder(ctx, queue)
	var batch, deferred []parsedFile
	flush := func(files []parsedFile) error {
		if len(files) == 0 {
			return nil
		}
		b := store.ImportBatch{Incidents: make([]*incident.Incident, len(files)), Comments: make([][]incident.Comment, len(files))}
		for i, f := range files {
			b.Incidents[i], b.Comments[i] = f.inc, f.comments
		}
		r, err := st.Import(ctx, b)
		if err != nil {
			return err
		}
		for i, f := range files {
			res := FileResult{Path: f.path, Outcome: r.Outcomes[i], ID: b.Incidents[i].ID, Err: r.Errors[i]}
			sum.count(res)
			sum.Committed = append(sum.Committed, res)
			switch {
			case f.commentsPath == "":
			case r.CommentErrors[i] != nil:
				sum.count(FileResult{Path: f.commentsPath, Err: r.CommentErrors[i]})
			default:
				sum.CommentFiles++
			}
		}
		sum.Comments += r.CommentsAdded
		progress()
		return nil
	}
	for k := range queue {
		f, ok := <-results
		if !ok {
			break // ctx ended
		}
		switch {
		case f.err != nil:
			sum.count(FileResult{Path: f.path, Outcome: incident.ImportFailed, Err: f.err, Skipped: isNotRegular(f.err)})
		case f.commentsErr != nil:
			sum.count(FileResult{Path: f.commentsPath, Err: f.commentsErr})
			f.commentsPath, f.comments = "", nil
			fallthrough
		default:
			if f.inc.ID != queue[k].id.ID || f.inc.ExternalID != queue[k].id.ExternalID {
				// ReadIdentity promised an identity that Parse does not
				// give (its tests say it cannot happen): import it after
				// the rest, so that the result still does not depend on
				// timing.
				deferred = append(deferred, f)
			} else {
				batch = append(batch, f)
			}
		}
		if queue[k].lastOfGroup && len(batch) >= importBatch {
			if err := flush(batch); err != nil {
				return finish(sum), err
			}
			batch = batch[:0]
		}
	}
	if err := ctx.Err(); err != nil {
		return finish(sum), err
	}
	for _, files := range [][]parsedFile{batch, deferred} {
		if err := flush(files); err != nil {
			return finish(sum), err
		}
	}
	return finish(sum), nil
}

// importSideFiles imports the vocabularies, then the catalogues, found
// among the paths. A file that cannot be read or is refused is reported
// and the rest go on; a fault of the store stops the import.
func importSideFiles(ctx context.Context, st Importer, found foundFiles, sum *Summary) error {
	for _, path := range found.vocabularies {
		var f vocabularyFile
		if err := readYAMLFile(path, &f, vocabularyFormat, &f.Format); err != nil {
			sum.count(FileResult{Path: path, Err: err, Skipped: isNotRegular(err)})
			continue
		}
		if err := sideFileDone(st.ImportCategories(ctx, f.categories()), path, &sum.Vocabularies, sum); err != nil {
			return err
		}
	}
	for _, path := range found.catalogs {
		data, err := readCatalogFile(path)
		var cat *incident.Catalog
		if err == nil {
			cat, err = catalog.Parse(data)
		}
		if err != nil {
			sum.count(FileResult{Path: path, Err: err, Skipped: isNotRegular(err)})
			continue
		}
		_, err = st.ImportCatalog(ctx, cat)
		if err := sideFileDone(err, path, &sum.Catalogs, sum); err != nil {
			return err
		}
	}
	return nil
}

// sideFileDone counts a side file the store took, or reports one it
// refused; it returns the store's own faults, which stop the import.
func sideFileDone(err error, path string, done *int, sum *Summary) error {
	switch {
	case err == nil:
		*done++
		sum.CommittedSideFiles = append(sum.CommittedSideFiles, path)
	case incident.ErrorCode(err) == incident.EINTERNAL:
		return err
	default:
		sum.count(FileResult{Path: path, Err: err})
	}
	return nil
}

// readYAMLFile reads one of the archive's YAML files and checks that it
// says it is in the format wanted.
func readYAMLFile(path string, v any, format string, got *string) error {
	data, err := readFile(path)
	if err != nil {
		return err
	}
	if err := postmortem.UnmarshalYAMLFile(data, v); err != nil {
		return err
	}
	if *got != format {
		return incident.Errorf(incident.EMALFORMED, "format: must be %s, the format this version of Aftermath reads; the file says %q", format, *got)
	}
	return nil
}

func finish(sum Summary) Summary {
	byPath := func(a, b FileResult) int { return strings.Compare(a.Path, b.Path) }
	slices.SortFunc(sum.Failures, byPath)
	slices.SortFunc(sum.Skips, byPath)
	return sum
}

// queuedFile is a file in import order.
type queuedFile struct {
	path        string
	comments    string // the comments file beside it, if there is one
	id          postmortem.Identity
	parsed      *parsedFile // when reading the identity took a parse
	lastOfGroup bool        // the next file is not a copy of this one
}

type parsedFile struct {
	path string
	inc  *incident.Incident
	err  error
	// The comments beside the file, if there is such a file.
	commentsPath string
	comments     []incident.Comment
	commentsErr  error
}

// planImport reads every file's identity (on every core) and orders the
// files for import: copies of one post-mortem (sharing an id or an
// external id, directly or through another copy) side by side, post-mortems
// by id, then by external id, then the files with neither, each by path.
// Files that cannot be read come back as failures.
func planImport(files []string, comments map[string]bool) ([]queuedFile, []FileResult) {
	queued := make([]queuedFile, len(files))
	errs := make([]error, len(files))
	forEach(len(files), func(i int) {
		queued[i].path = files[i]
		if c := commentsFileOf(files[i]); comments[c] {
			queued[i].comments = c
		}
		data, whole, err := readHead(files[i])
		if err != nil {
			errs[i] = err
			return
		}
		id, ok := postmortem.ReadIdentity(data)
		if !ok && !whole {
			if data, err = readFile(files[i]); err != nil {
				errs[i] = err
				return
			}
			id, ok = postmortem.ReadIdentity(data)
		}
		if !ok {
			inc, err := postmortem.Parse(data)
			queued[i].parsed = &parsedFile{path: files[i], inc: inc, err: err}
			if err == nil {
				id = postmortem.Identity{ID: inc.ID, ExternalID: inc.ExternalID}
			}
		}
		queued[i].id = id
	})
	var failed []FileResult
	readable := queued[:0]
	for i, q := range queued {
		if errs[i] != nil {
			failed = append(failed, FileResult{Path: q.path, Err: errs[i], Skipped: isNotRegular(errs[i])})
			continue
		}
		readable = append(readable, q)
	}
	return orderByIdentity(readable), failed
}

// orderByIdentity groups copies and orders the groups (see planImport).
func orderByIdentity(files []queuedFile) []queuedFile {
	parent := make([]int, len(files))
	var find func(int) int
	find = func(i int) int {
		if parent[i] != i {
			parent[i] = find(parent[i])
		}
		return parent[i]
	}
	owner := map[string]int{}
	for i, f := range files {
		parent[i] = i
		var keys []string
		if f.id.ID != 0 {
			keys = append(keys, "id "+strconv.FormatInt(f.id.ID, 10))
		}
		if f.id.ExternalID != "" {
			keys = append(keys, "external "+f.id.ExternalID)
		}
		for _, k := range keys {
			if first, ok := owner[k]; ok {
				parent[find(i)] = find(first)
			} else {
				owner[k] = i
			}
		}
	}
	// Each group is ordered by its smallest id (none: last), then its
	// smallest external id, then its first path.
	keys := map[int]*groupKey{}
	for i, f := range files {
		r := find(i)
		k, ok := keys[r]
		if !ok {
			k = &groupKey{id: math.MaxInt64, external: f.id.ExternalID, path: f.path}
			keys[r] = k
		}
		if f.id.ID != 0 {
			k.id = min(k.id, f.id.ID)
		}
		if f.id.ExternalID != "" && (k.external == "" || f.id.ExternalID < k.external) {
			k.external = f.id.ExternalID
		}
		k.path = min(k.path, f.path)
	}
	order := make([]int, len(files))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		ka, kb := keys[find(a)], keys[find(b)]
		return cmp.Or(
			cmp.Compare(ka.id, kb.id),
			cmp.Compare(ka.anonymous(), kb.anonymous()),
			strings.Compare(ka.external, kb.external),
			strings.Compare(ka.path, kb.path),
			strings.Compare(files[a].path, files[b].path))
	})
	out := make([]queuedFile, len(files))
	for k, i := range order {
		out[k] = files[i]
		out[k].lastOfGroup = k == len(order)-1 || find(order[k+1]) != find(i)
	}
	return out
}

// groupKey orders copy groups: by smallest id (math.MaxInt64 for none),
// then smallest external id (groups without one last), then first path.
type groupKey struct {
	id       int64
	external string
	path     string
}

// anonymous is 1 for a group without an external id, which sorts last.
func (k *groupKey) anonymous() int {
	if k.external == "" {
		return 1
	}
	return 0
}

// parseInOrder parses the queued files on every core and delivers them in
// queue order. At most 2×importBatch files are parsed ahead of the one the
// consumer waits for, so memory stays bounded whatever file is slow. The
// channel closes when all are delivered or ctx ends.
func parseInOrder(ctx context.Context, queue []queuedFile) <-chan parsedFile {
	out := make(chan parsedFile)
	window := make(chan struct{}, 2*importBatch)
	indexes := make(chan int)
	done := make([]chan parsedFile, len(queue))
	for i := range done {
		done[i] = make(chan parsedFile, 1)
	}
	go func() {
		defer close(indexes)
		for i := range queue {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case indexes <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range runtime.GOMAXPROCS(0) {
		go func() {
			for i := range indexes {
				done[i] <- parseQueued(queue[i])
			}
		}()
	}
	go func() {
		defer close(out)
		for i := range queue {
			var f parsedFile
			select {
			case f = <-done[i]:
			case <-ctx.Done():
				return
			}
			select {
			case out <- f:
				<-window
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

func parseQueued(q queuedFile) parsedFile {
	var f parsedFile
	if q.parsed != nil {
		f = *q.parsed
	} else {
		data, err := readFile(q.path)
		if err != nil {
			return parsedFile{path: q.path, err: err}
		}
		inc, err := postmortem.Parse(data)
		f = parsedFile{path: q.path, inc: inc, err: err}
	}
	if f.err == nil && q.comments != "" {
		f.commentsPath = q.comments
		var c commentsFile
		if f.commentsErr = readYAMLFile(q.comments, &c, commentsFormat, &c.Format); f.commentsErr == nil {
			f.comments = c.comments()
		}
	}
	return f
}

// forEach calls fn(0) … fn(n-1) on every core and waits for all.
func forEach(n int, fn func(int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

func isNotRegular(err error) bool {
	_, ok := err.(errNotRegular)
	return ok
}

// foundFiles are the files an import reads, by kind, and the paths that
// cannot be read or are skipped.
type foundFiles struct {
	postmortems, catalogs, vocabularies []string
	comments                            map[string]bool // beside a post-mortem
	problems                            []FileResult
}

// collectFiles expands folders into the files an import reads: *.md
// post-mortems, and the catalog.yaml and vocabulary.yaml files of an
// export. Comment files are read with their post-mortem; one with no
// post-mortem beside it is reported as skipped.
func collectFiles(paths []string) foundFiles {
	found := foundFiles{comments: map[string]bool{}}
	var comments []string
	add := func(path string) {
		switch base := filepath.Base(path); {
		case base == CatalogFile:
			found.catalogs = append(found.catalogs, path)
		case base == VocabularyFile:
			found.vocabularies = append(found.vocabularies, path)
		case strings.HasSuffix(base, commentsSuffix):
			comments = append(comments, path)
		case strings.EqualFold(filepath.Ext(base), ".md"):
			found.postmortems = append(found.postmortems, path)
		}
	}
	for _, root := range paths {
		info, err := os.Stat(root)
		switch {
		case err != nil:
			found.problems = append(found.problems, FileResult{Path: root, Err: unwrapPathError(err)})
			continue
		case info.Mode().IsRegular():
			found.postmortems = append(found.postmortems, root) // named, so read as a post-mortem
			if _, err := os.Lstat(commentsFileOf(root)); err == nil {
				found.comments[commentsFileOf(root)] = true
			}
			continue
		case !info.IsDir():
			found.problems = append(found.problems, FileResult{Path: root, Err: errNotRegular{info.Mode()}, Skipped: true})
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				found.problems = append(found.problems, FileResult{Path: path, Err: unwrapPathError(err)})
			case d.IsDir():
			case d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0:
				// A link is followed when read, and its target checked.
				add(path)
			case isImported(path):
				found.problems = append(found.problems, FileResult{Path: path, Err: errNotRegular{d.Type()}, Skipped: true})
			}
			return nil
		})
		if err != nil {
			found.problems = append(found.problems, FileResult{Path: root, Err: err})
		}
	}
	postmortems := make(map[string]bool, len(found.postmortems))
	for _, p := range found.postmortems {
		postmortems[strings.TrimSuffix(p, filepath.Ext(p))] = true
	}
	for _, c := range comments {
		md := strings.TrimSuffix(c, commentsSuffix) + ".md"
		if postmortems[strings.TrimSuffix(c, commentsSuffix)] {
			found.comments[c] = true
		} else {
			found.problems = append(found.problems, FileResult{Path: c, Skipped: true,
				Err: fmt.Errorf("no post-mortem %s beside it; skipped", filepath.Base(md))})
		}
	}
	return found
}

// isImported reports whether a folder walk would read path.
func isImported(path string) bool {
	base := filepath.Base(path)
	return base == CatalogFile || base == VocabularyFile || strings.HasSuffix(base, commentsSuffix) ||
		strings.EqualFold(filepath.Ext(base), ".md")
}
