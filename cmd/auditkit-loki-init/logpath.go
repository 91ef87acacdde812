package main

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// logMount is where both stacks mount the directory of the audit log
// (read-only), so that a rotation by rename is seen: a mount of the file
// itself would keep showing the renamed file's inode.
const logMount = "/var/log/auditkit"

// splitLogPath returns the directory and the file name of -audit-log-path,
// as given (no cleaning, so the path the user typed survives in the
// generated files): "." for a bare name, "/" for a file in the root.
func splitLogPath(p string) (dir, name string) {
	i := strings.LastIndexByte(p, '/')
	switch {
	case i < 0:
		return ".", p
	case i == 0:
		return "/", p[1:]
	}
	return p[:i], p[i+1:]
}

// checkLogPath rejects an -audit-log-path whose directory cannot be mounted
// on its own: one that names no file, or whose directory is DIR itself
// (which holds docker-compose.yml and its Grafana password).
func checkLogPath(p string) error {
	dir, name := splitLogPath(p)
	if name == "" || name == "." || name == ".." {
		return fmt.Errorf("-audit-log-path %q must name a file: the stacks mount its directory and read the file by name", p)
	}
	if !filepath.IsAbs(dir) && !path.IsAbs(dir) && !strings.HasPrefix(dir, "~") && path.Clean(dir) == "." {
		return fmt.Errorf("-audit-log-path %q: the stacks mount the log's directory, which would be DIR itself "+
			"(docker-compose.yml holds the Grafana password); put the log in a directory of its own, such as ../logs/%s", p, name)
	}
	return nil
}

// alloyGlob returns name as a pattern of Alloy's local.file_match (the
// doublestar syntax, where '\' escapes the next character) that matches
// exactly name.
func alloyGlob(name string) string {
	var b strings.Builder
	for _, r := range name {
		if strings.ContainsRune(`\*?[]{}`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// vectorGlob returns name as a pattern of Vector's file source (the Rust
// glob crate, which has no escape character: a metacharacter is matched by
// a one-character class such as [*]) that matches exactly name. '{' and
// ']' are not special there.
func vectorGlob(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r == '*' || r == '?' || r == '[' {
			b.WriteByte('[')
			b.WriteRune(r)
			b.WriteByte(']')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
