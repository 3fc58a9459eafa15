package archive

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/postmortem"
	"github.com/aftermath-sre/aftermath/internal/store"
)

// importBatch is how many files go in one transaction.
const importBatch = 1000

// Importer is what importing needs from storage.
type Importer interface {
	ImportIncidents(ctx context.Context, incs []*incident.Incident) ([]store.ImportOutcome, []error, error)
}

// FileResult says what happened to one file.
type FileResult struct {
	Path    string
	Outcome store.ImportOutcome
	ID      int64
	Err     error // why the file failed, when Outcome is ImportFailed
}

// Summary counts the outcomes of an import.
type Summary struct {
	Created, Updated, Unchanged, Failed int
	Failures                            []FileResult // sorted by path
}

// Files is the number of files the import read.
func (s Summary) Files() int { return s.Created + s.Updated + s.Unchanged + s.Failed }

// ImportPaths imports the markdown post-mortems at paths: files, or folders
// walked for *.md files. A file that cannot be read, parsed or validated is
// reported with its name and the reason, and the others still import.
// Parsing runs on every core while the previous batch is written.
//
// The error is for faults that stop the whole import (the database); the
// failures of single files are in the Summary.
func ImportPaths(ctx context.Context, st Importer, paths []string) (Summary, error) {
	files, walkFailures := collectFiles(paths)
	parsed := parseAll(ctx, files)

	var sum Summary
	sum.Failures = walkFailures
	sum.Failed = len(walkFailures)
	batch := make([]parsedFile, 0, importBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		incs := make([]*incident.Incident, len(batch))
		for i, f := range batch {
			incs[i] = f.inc
		}
		outcomes, errs, err := st.ImportIncidents(ctx, incs)
		if err != nil {
			return err
		}
		for i, f := range batch {
			sum.count(FileResult{Path: f.path, Outcome: outcomes[i], ID: incs[i].ID, Err: errs[i]})
		}
		batch = batch[:0]
		return nil
	}
	for f := range parsed {
		if f.err != nil {
			sum.count(FileResult{Path: f.path, Outcome: store.ImportFailed, Err: f.err})
			continue
		}
		batch = append(batch, f)
		if len(batch) == importBatch {
			if err := flush(); err != nil {
				drain(parsed)
				return sum, err
			}
		}
	}
	if err := flush(); err != nil {
		return sum, err
	}
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	slices.SortFunc(sum.Failures, func(a, b FileResult) int { return strings.Compare(a.Path, b.Path) })
	return sum, nil
}

func (s *Summary) count(r FileResult) {
	switch r.Outcome {
	case store.ImportCreated:
		s.Created++
	case store.ImportUpdated:
		s.Updated++
	case store.ImportUnchanged:
		s.Unchanged++
	default:
		s.Failed++
		s.Failures = append(s.Failures, r)
	}
}

type parsedFile struct {
	path string
	inc  *incident.Incident
	err  error
}

// parseAll reads and parses files on every core. Results arrive in no
// particular order; the channel closes when all are done or ctx ends.
func parseAll(ctx context.Context, files []string) <-chan parsedFile {
	paths := make(chan string)
	out := make(chan parsedFile, 2*importBatch)
	go func() {
		defer close(paths)
		for _, p := range files {
			select {
			case paths <- p:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range paths {
				inc, err := parseFile(p)
				out <- parsedFile{path: p, inc: inc, err: err}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}

func drain(ch <-chan parsedFile) {
	for range ch {
	}
}

func parseFile(path string) (*incident.Incident, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	if info.Size() > postmortem.MaxFileSize {
		return nil, fmt.Errorf("the file is larger than %d bytes", postmortem.MaxFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	return postmortem.Parse(data)
}

// collectFiles expands folders into their *.md files, in the order
// sortForImport gives, and reports paths that cannot be read.
func collectFiles(paths []string) ([]string, []FileResult) {
	var files []string
	var failures []FileResult
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			failures = append(failures, FileResult{Path: root, Err: unwrapPathError(err)})
			continue
		}
		if !info.IsDir() {
			files = append(files, root)
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				failures = append(failures, FileResult{Path: path, Err: unwrapPathError(err)})
				return nil
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".md") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			failures = append(failures, FileResult{Path: root, Err: err})
		}
	}
	sortForImport(files)
	return files, failures
}

// sortForImport puts files in the order they are read: files named with
// an id first, by id, then the others by path. Exports are named by date,
// and ids need not follow dates, so in name order each transaction would
// insert rows all over every table (and write most pages of the database
// to the WAL again); in id order it appends them at each table's end. Each
// name is read once, not at every comparison.
func sortForImport(files []string) {
	type named struct {
		path  string
		id    int64
		hasID bool
	}
	keys := make([]named, len(files))
	for i, path := range files {
		id, ok := postmortem.IDFromFileName(filepath.Base(path))
		keys[i] = named{path, id, ok}
	}
	slices.SortFunc(keys, func(a, b named) int {
		if a.hasID != b.hasID {
			if a.hasID {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.id, b.id), strings.Compare(a.path, b.path))
	})
	for i, k := range keys {
		files[i] = k.path
	}
}

// unwrapPathError drops the path from an *fs.PathError: the report names
// the file already.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
