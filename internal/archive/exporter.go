package archive

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/postmortem"
)

// Lister is what exporting needs from storage.
type Lister interface {
	ListIncidents(ctx context.Context, f incident.Filter) (*incident.Page, error)
}

// EachIncident calls fn for every incident matching f, a page at a time, so
// that memory stays flat however many there are. f's Limit and Cursor are
// ignored.
func EachIncident(ctx context.Context, st Lister, f incident.Filter, fn func(*incident.Incident) error) error {
	f.Limit, f.Cursor = incident.MaxLimit, ""
	for {
		page, err := st.ListIncidents(ctx, f)
		if err != nil {
			return err
		}
		for i := range page.Items {
			if err := fn(&page.Items[i]); err != nil {
				return err
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		f.Cursor = page.NextCursor
	}
}

// ExportDir writes every incident matching f into dir as one markdown file
// each, named by postmortem.FileName, and returns how many it wrote. Each
// file is written to a temporary name and renamed, so a reader of dir never
// sees half a file.
func ExportDir(ctx context.Context, st Lister, f incident.Filter, dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	written := 0
	err := EachIncident(ctx, st, f, func(inc *incident.Incident) error {
		data, err := postmortem.Marshal(inc)
		if err != nil {
			return err
		}
		final := filepath.Join(dir, postmortem.FileName(inc))
		tmp := final + ".tmp"
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, final); err != nil {
			return err
		}
		written++
		return nil
	})
	return written, err
}

// WriteZip streams every incident matching f into a zip archive on w.
func WriteZip(ctx context.Context, st Lister, f incident.Filter, w io.Writer) error {
	zw := zip.NewWriter(w)
	err := EachIncident(ctx, st, f, func(inc *incident.Incident) error {
		data, err := postmortem.Marshal(inc)
		if err != nil {
			return err
		}
		entry, err := zw.CreateHeader(&zip.FileHeader{
			Name:     postmortem.FileName(inc),
			Method:   zip.Deflate,
			Modified: inc.UpdatedAt.In(time.UTC),
		})
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
