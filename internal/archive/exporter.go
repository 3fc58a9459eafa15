package archive

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/aftermath-sre/aftermath/internal/catalog"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/postmortem"
	"github.com/aftermath-sre/aftermath/internal/store"
)

// Snapshotter is what exporting needs from storage: a consistent view.
type Snapshotter interface {
	Snapshot(ctx context.Context, fn func(*store.Snapshot) error) error
}

// ExportOptions tune an export.
type ExportOptions struct {
	// Progress, when set, is called as post-mortems are written, with how
	// many of how many.
	Progress func(done, total int)
}

// EachIncident calls fn for every incident matching f, a page at a time
// (so memory stays flat however many there are), all from one snapshot.
// f's Limit and Cursor are ignored.
func EachIncident(ctx context.Context, st Snapshotter, f incident.Filter, fn func(*incident.Incident) error) error {
	return st.Snapshot(ctx, func(sn *store.Snapshot) error {
		return eachPage(sn, f, func(page *incident.Page) error {
			for i := range page.Items {
				if err := fn(&page.Items[i]); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func eachPage(sn *store.Snapshot, f incident.Filter, fn func(*incident.Page) error) error {
	f.Limit, f.Cursor = incident.MaxLimit, ""
	for {
		page, err := sn.ListIncidents(f)
		if err != nil {
			return err
		}
		if err := fn(page); err != nil {
			return err
		}
		if page.NextCursor == "" {
			return nil
		}
		f.Cursor = page.NextCursor
	}
}

// ExportDir writes every incident matching f into dir as one markdown file
// each, named by postmortem.FileName, with its comments beside it and the
// catalogue and vocabularies (see formats.go), and returns how many
// post-mortems it wrote. Everything comes from one snapshot. Each file is
// written to a temporary name and renamed, so a reader of dir never sees
// half a file.
func ExportDir(ctx context.Context, st Snapshotter, f incident.Filter, dir string, opts ExportOptions) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	return export(ctx, st, f, opts, func(name string, _ time.Time, data []byte) error {
		return WriteFileAtomically(filepath.Join(dir, name), data)
	})
}

// WriteFileAtomically writes data to a temporary name beside path and
// renames it, so that a reader of path never sees half a file.
func WriteFileAtomically(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// WriteZip streams the same files as ExportDir into a zip archive on w.
func WriteZip(ctx context.Context, st Snapshotter, f incident.Filter, w io.Writer) error {
	zw := zip.NewWriter(w)
	_, err := export(ctx, st, f, ExportOptions{}, func(name string, modified time.Time, data []byte) error {
		entry, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified.UTC()})
		if err != nil {
			return err
		}
		_, err = entry.Write(data)
		return err
	})
	if err != nil {
		return err
	}
	return zw.Close()
}

// export writes an archive's files through write, from one snapshot: the
// post-mortems a page at a time, each followed by its comments, then the
// catalogue and the vocabulary. Each file's time is when what it holds
// last changed, so the same database always gives the same archive.
func export(ctx context.Context, st Snapshotter, f incident.Filter, opts ExportOptions,
	write func(name string, modified time.Time, data []byte) error) (int, error) {
	written := 0
	err := st.Snapshot(ctx, func(sn *store.Snapshot) error {
		var newest time.Time
		err := eachPage(sn, f, func(page *incident.Page) error {
			ids := make([]int64, len(page.Items))
			for i, inc := range page.Items {
				ids[i] = inc.ID
			}
			comments, err := sn.Comments(ids)
			if err != nil {
				return err
			}
			for i := range page.Items {
				inc := &page.Items[i]
				if err := writeIncident(inc, comments[inc.ID], write); err != nil {
					return err
				}
				if inc.UpdatedAt.After(newest) {
					newest = inc.UpdatedAt
				}
				written++
				if opts.Progress != nil {
					opts.Progress(written, int(page.Total))
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		return writeCatalogAndVocabulary(sn, newest, write)
	})
	return written, err
}

func writeIncident(inc *incident.Incident, comments []incident.Comment, write func(string, time.Time, []byte) error) error {
	data, err := postmortem.Marshal(inc)
	if err != nil {
		return err
	}
	name := postmortem.FileName(inc)
	if err := write(name, inc.UpdatedAt, data); err != nil {
		return err
	}
	if len(comments) == 0 {
		return nil
	}
	data, err = postmortem.MarshalYAMLFile(newCommentsFile(inc.ID, comments))
	if err != nil {
		return err
	}
	return write(commentsFileOf(name), comments[len(comments)-1].CreatedAt, data)
}

func writeCatalogAndVocabulary(sn *store.Snapshot, modified time.Time, write func(string, time.Time, []byte) error) error {
	services, err := sn.Catalog()
	if err != nil {
		return err
	}
	categories, err := sn.Categories()
	if err != nil {
		return err
	}
	catalogue, err := catalog.Marshal(services)
	if err != nil {
		return err
	}
	vocabulary, err := postmortem.MarshalYAMLFile(newVocabularyFile(categories))
	if err != nil {
		return err
	}
	if err := write(CatalogFile, modified, catalogue); err != nil {
		return err
	}
	return write(VocabularyFile, modified, vocabulary)
}
