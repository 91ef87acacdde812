package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// writeResult lists what writeFiles did, as paths joined to DIR.
type writeResult struct {
	written []string
	kept    []string
	keptRel []string
}

func (r writeResult) keptPath(rel string) bool { return slices.Contains(r.keptRel, rel) }

// writeFiles writes files under dir. An existing file is kept unless
// overwrite; the check and the creation are one O_EXCL open, so nothing is
// clobbered by a race. With overwrite, each file is replaced by a rename, so
// a reader never sees half a file and a symlink in DIR is replaced, not
// followed. It stops at the first error.
func writeFiles(dir string, files []file, overwrite bool) (writeResult, error) {
	var res writeResult
	for _, f := range files {
		full := filepath.Join(dir, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return res, err
		}
		var err error
		if overwrite {
			err = replaceFile(full, f.data, f.mode)
		} else {
			err = createFile(full, f.data, f.mode)
			if errors.Is(err, fs.ErrExist) {
				res.kept = append(res.kept, full)
				res.keptRel = append(res.keptRel, f.path)
				continue
			}
		}
		if err != nil {
			return res, err
		}
		res.written = append(res.written, full)
	}
	return res, nil
}

func createFile(name string, data []byte, mode fs.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}

func replaceFile(name string, data []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}
