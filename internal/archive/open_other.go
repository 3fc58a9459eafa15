//go:build !unix

package archive

import "os"

// openNoBlock opens path for reading; these platforms have no named
// pipes in the file system to wait on.
func openNoBlock(path string) (*os.File, error) { return os.Open(path) }
