package auditchain

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

// MaxLineSize is the longest line, without its newline, that Verify reads
// in a trail file, a FILE.ckpt or a witness: 16 MiB, far more than any
// audit record or checkpoint. A longer line is not one Chain wrote (a
// trail or sidecar line is reported as tampered, a witness fails to read),
// and reading stops there, so that a hostile file cannot exhaust memory.
const MaxLineSize = 16 << 20

// lineTooLongError is what readLines returns for a line over MaxLineSize.
type lineTooLongError struct{ line int }

func (e *lineTooLongError) Error() string {
	return fmt.Sprintf("line %d is longer than %d bytes (MaxLineSize): not written by the chain", e.line, MaxLineSize)
}

// readLines calls fn for each line of r (without its newline); terminated
// is false for a final piece with no newline. The line's bytes are valid
// only during the call. A line longer than MaxLineSize ends the reading
// with a *lineTooLongError.
func readLines(r io.Reader, fn func(n int, line []byte, terminated bool) bool) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var buf []byte
	for n := 1; ; n++ {
		buf = buf[:0]
		var err error
		for {
			var chunk []byte
			chunk, err = br.ReadSlice('\n')
			buf = append(buf, chunk...)
			if len(buf) > MaxLineSize+1 {
				return &lineTooLongError{line: n}
			}
			if err != bufio.ErrBufferFull {
				break
			}
		}
		if len(buf) > 0 {
			l := buf
			term := l[len(l)-1] == '\n'
			if term {
				l = l[:len(l)-1]
			}
			if len(l) > MaxLineSize {
				return &lineTooLongError{line: n}
			}
			if !fn(n, l, term) {
				return nil
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// openRegular opens a file to verify, refusing anything but a regular file
// (after symbolic links): a FIFO would block the verifier for ever, a device
// such as /dev/zero never ends. Opening does not block on a FIFO.
func openRegular(name string) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file (%s): only regular files are verified", name, st.Mode().Type())
	}
	return f, nil
}
