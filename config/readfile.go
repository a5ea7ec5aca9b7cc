package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// MaxConfigSize bounds what is read of a config file: a config of 20,000
// hosts is about 1.5 MB.
const MaxConfigSize = 4 << 20

// MaxTokenFileSize bounds what is read of token_file: a bot token is about
// 46 characters.
const MaxTokenFileSize = 512

// errTooLarge is a file over its bound.
var errTooLarge = errors.New("file too large")

// errNotRegular is a path that names something other than a regular file.
var errNotRegular = errors.New("not a regular file")

// readRegular reads at most limit bytes of the regular file at path. A FIFO,
// a device (/dev/zero), a directory or a socket is refused before it is read:
// reading one could block forever or never end. It opens with O_NONBLOCK so
// that a FIFO swapped in after the check does not block the open either.
func readRegular(path string, limit int64) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w (it is %s)", errNotRegular, kindOf(fi.Mode()))
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w (it is %s)", errNotRegular, kindOf(fi.Mode()))
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w (more than %d bytes)", errTooLarge, limit)
	}
	return data, nil
}

// kindOf names a file mode's type for messages.
func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file"
}
