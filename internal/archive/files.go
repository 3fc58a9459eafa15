package archive

import (
	"bytes"
	"errors"
	"io"
	"io/fs"

	"github.com/aftermath-sre/aftermath/internal/catalog"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/postmortem"
)

// errNotRegular marks a path that is not a regular file: a named pipe, a
// socket or a device. Reading one could block for ever (a pipe with no
// writer) or never end (/dev/zero), so an import skips it.
type errNotRegular struct{ mode fs.FileMode }

func (e errNotRegular) Error() string {
	return "not a regular file (" + describeMode(e.mode) + "); skipped"
}

func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeDir != 0:
		return "a folder"
	}
	return "not a plain file"
}

// readFile reads a file of at most postmortem.MaxFileSize bytes.
func readFile(path string) ([]byte, error) {
	data, _, err := readUpTo(path, postmortem.MaxFileSize, postmortem.MaxFileSize)
	return data, err
}

// readCatalogFile reads a catalogue file, which may be larger than a
// post-mortem (catalog.MaxFileSize).
func readCatalogFile(path string) ([]byte, error) {
	data, _, err := readUpTo(path, catalog.MaxFileSize, catalog.MaxFileSize)
	return data, err
}

// headSize is how much of a file readHead reads: the identity of an
// exported post-mortem is in its first three lines.
const headSize = 4096

// readHead reads the first whole lines of a file, up to headSize bytes,
// and says whether that is all of it.
func readHead(path string) (head []byte, whole bool, err error) {
	data, whole, err := readUpTo(path, headSize, postmortem.MaxFileSize)
	if err != nil || whole {
		return data, whole, err
	}
	if nl := bytes.LastIndexByte(data, '\n'); nl >= 0 {
		data = data[:nl+1]
	}
	return data, false, nil
}

// readUpTo reads at most limit bytes of a file of at most maxSize bytes,
// and says whether it read the whole file. It
// opens without blocking (openNoBlock), checks on the open file that it
// is a regular one, and never reads past the bound, whatever the file
// claims or turns into meanwhile.
func readUpTo(path string, limit, maxSize int64) ([]byte, bool, error) {
	f, err := openNoBlock(path)
	if err != nil {
		return nil, false, unwrapPathError(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, false, unwrapPathError(err)
	}
	if !info.Mode().IsRegular() {
		return nil, false, errNotRegular{info.Mode()}
	}
	if info.Size() > maxSize {
		return nil, false, tooLarge(maxSize)
	}
	var buf bytes.Buffer
	buf.Grow(int(min(info.Size(), limit)) + 1)
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, false, unwrapPathError(err)
	}
	switch {
	case int64(buf.Len()) <= limit:
		return buf.Bytes(), true, nil
	case limit >= maxSize:
		return nil, false, tooLarge(maxSize) // it grew while we read
	}
	return buf.Bytes()[:limit], false, nil
}

func tooLarge(maxSize int64) error {
	return incident.Errorf(incident.ETOOLARGE, "the file is larger than %d bytes", maxSize)
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
