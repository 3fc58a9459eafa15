package archive

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/aftermath-sre/aftermath/internal/catalog"
	"github.com/aftermath-sre/aftermath/internal/incident"
)

// CatalogImporter is what importing catalogue files needs from storage.
type CatalogImporter interface {
	ImportCatalog(ctx context.Context, cat *incident.Catalog) (*incident.CatalogImport, error)
}

// CatalogSummary says what ImportCatalogFiles did.
type CatalogSummary struct {
	// Read lists the files read, Failures those that could not be.
	Read     []string
	Failures []FileResult
	// Result is what the import of the files read did; nil when none was
	// read.
	Result *incident.CatalogImport
}

// catalogFileNames are the files a folder walk reads as catalogues: the
// name Backstage gives its descriptors, and our export's.
var catalogFileNames = []string{"catalog-info.yaml", "catalog-info.yml", catalog.FileName}

// ImportCatalogFiles imports catalogue files: Backstage descriptors or our
// own export, each file named, or found in a named folder (at any depth)
// as catalog-info.yaml, catalog-info.yml or catalog.yaml. The files that
// can be read are merged (catalog.Merge) and imported in one transaction;
// those that cannot are listed, and the rest still import. An entity one
// file names and another describes (a dependency declared in another
// repository) comes out whole either way.
func ImportCatalogFiles(ctx context.Context, st CatalogImporter, paths []string) (*CatalogSummary, error) {
	sum := &CatalogSummary{}
	var cats []*incident.Catalog
	for _, path := range findCatalogFiles(paths, sum) {
		data, err := readCatalogFile(path)
		var cat *incident.Catalog
		if err == nil {
			cat, err = catalog.Parse(data)
		}
		if err != nil {
			sum.Failures = append(sum.Failures, FileResult{Path: path, Err: err, Skipped: isNotRegular(err)})
			continue
		}
		sum.Read = append(sum.Read, path)
		cats = append(cats, cat)
	}
	if len(cats) == 0 {
		return sum, nil
	}
	result, err := st.ImportCatalog(ctx, catalog.Merge(cats...))
	if err != nil {
		return sum, err
	}
	sum.Result = result
	return sum, nil
}

// findCatalogFiles lists the named files and the catalogue files in the
// named folders, in order, each once.
func findCatalogFiles(paths []string, sum *CatalogSummary) []string {
	var out []string
	add := func(path string) {
		if !slices.Contains(out, path) {
			out = append(out, path)
		}
	}
	for _, root := range paths {
		info, err := os.Stat(root)
		switch {
		case err != nil:
			sum.Failures = append(sum.Failures, FileResult{Path: root, Err: unwrapPathError(err)})
			continue
		case !info.IsDir():
			add(root) // named, so read (and refused if it is not a file)
			continue
		}
		found := 0
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				sum.Failures = append(sum.Failures, FileResult{Path: path, Err: unwrapPathError(err)})
			case !d.IsDir() && slices.Contains(catalogFileNames, d.Name()):
				found++
				add(path)
			}
			return nil
		})
		if err == nil && found == 0 {
			err = fmt.Errorf("holds no %s, %s or %s", catalogFileNames[0], catalogFileNames[1], catalogFileNames[2])
		}
		if err != nil {
			sum.Failures = append(sum.Failures, FileResult{Path: root, Err: err})
		}
	}
	return out
}
