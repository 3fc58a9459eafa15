//go:build unix

package archive

import (
	"os"
	"syscall"
)

// openNoBlock opens path for reading with O_NONBLOCK, so that opening a
// named pipe with no writer returns at once instead of waiting for one.
// The flag changes nothing for the regular files that are then read.
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
